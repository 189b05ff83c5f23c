"""Periods: pure calendar arithmetic, no database."""

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from django.utils import translation

from kpis.periods import Period, PeriodKind, custom_period, parse_period, period_containing, series

D = date


def span(period):
    return period.start, period.end


# The period containing a day.


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        (PeriodKind.DAY, D(2026, 3, 5), D(2026, 3, 5), D(2026, 3, 5)),
        (PeriodKind.WEEK, D(2026, 3, 5), D(2026, 3, 2), D(2026, 3, 8)),  # a Thursday
        (PeriodKind.WEEK, D(2026, 3, 2), D(2026, 3, 2), D(2026, 3, 8)),  # Monday starts the week
        (PeriodKind.WEEK, D(2026, 3, 8), D(2026, 3, 2), D(2026, 3, 8)),  # Sunday ends it
        (PeriodKind.MONTH, D(2026, 3, 31), D(2026, 3, 1), D(2026, 3, 31)),
        (PeriodKind.MONTH, D(2026, 2, 14), D(2026, 2, 1), D(2026, 2, 28)),
        (PeriodKind.MONTH, D(2028, 2, 14), D(2028, 2, 1), D(2028, 2, 29)),
        (PeriodKind.MONTH, D(2026, 12, 31), D(2026, 12, 1), D(2026, 12, 31)),
        (PeriodKind.QUARTER, D(2026, 1, 1), D(2026, 1, 1), D(2026, 3, 31)),
        (PeriodKind.QUARTER, D(2026, 5, 20), D(2026, 4, 1), D(2026, 6, 30)),
        (PeriodKind.QUARTER, D(2026, 9, 30), D(2026, 7, 1), D(2026, 9, 30)),
        (PeriodKind.QUARTER, D(2026, 12, 31), D(2026, 10, 1), D(2026, 12, 31)),
        (PeriodKind.FISCAL_YEAR, D(2026, 11, 24), D(2026, 1, 1), D(2026, 12, 31)),
    ],
)
def test_period_containing_each_kind(kind, day, start, end):
    period = period_containing(kind, day)
    assert period.kind == kind
    assert span(period) == (start, end)
    assert period.contains(day)


def test_iso_week_crosses_the_year_boundary():
    week = period_containing(PeriodKind.WEEK, D(2026, 1, 1))
    assert span(week) == (D(2025, 12, 29), D(2026, 1, 4))
    assert week.label == "2026-W01"
    assert period_containing(PeriodKind.WEEK, D(2025, 12, 29)) == week


def test_the_last_days_of_a_year_with_53_iso_weeks_are_in_its_week_53():
    week = period_containing(PeriodKind.WEEK, D(2020, 12, 31))
    assert span(week) == (D(2020, 12, 28), D(2021, 1, 3))
    assert week.label == "2020-W53"
    assert period_containing(PeriodKind.WEEK, D(2021, 1, 3)) == week  # 2021-01-03 still belongs to 2020


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (D(2026, 11, 24), D(2026, 9, 1), D(2027, 8, 31)),
        (D(2026, 3, 1), D(2025, 9, 1), D(2026, 8, 31)),
        (D(2026, 9, 1), D(2026, 9, 1), D(2027, 8, 31)),  # the first day opens a new fiscal year
        (D(2026, 8, 31), D(2025, 9, 1), D(2026, 8, 31)),  # the last day closes the old one
    ],
)
def test_fiscal_year_starting_in_september(day, start, end):
    period = period_containing(PeriodKind.FISCAL_YEAR, day, fiscal_year_start_month=9)
    assert span(period) == (start, end)
    assert period.fiscal_year_start_month == 9


def test_fiscal_year_starting_in_march_ends_on_the_last_day_of_february():
    assert span(period_containing(PeriodKind.FISCAL_YEAR, D(2027, 6, 1), fiscal_year_start_month=3)) == (
        D(2027, 3, 1),
        D(2028, 2, 29),
    )


def test_custom_range_has_no_containing_period():
    with pytest.raises(ValueError, match="custom"):
        period_containing(PeriodKind.CUSTOM, D(2026, 3, 5))


@pytest.mark.parametrize("month", [0, 13])
def test_fiscal_year_start_month_out_of_range_is_refused(month):
    with pytest.raises(ValueError, match="month"):
        period_containing(PeriodKind.FISCAL_YEAR, D(2026, 3, 5), fiscal_year_start_month=month)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        period_containing("fortnight", D(2026, 3, 5))


def test_datetimes_are_refused_because_days_are_cut_in_the_network_time_zone_first():
    with pytest.raises(TypeError):
        period_containing(PeriodKind.MONTH, datetime(2026, 3, 5, 23, 30))
    with pytest.raises(TypeError):
        custom_period(datetime(2026, 3, 1), D(2026, 3, 5))


# Identity.


def test_a_kind_given_as_a_string_makes_the_same_hashable_period():
    # The engine keys its totals by period, and objectives store their kind as a plain string.
    from_string = Period("month", D(2026, 3, 1), D(2026, 3, 31))
    assert isinstance(from_string.kind, PeriodKind)
    assert from_string == period_containing(PeriodKind.MONTH, D(2026, 3, 5))
    assert {from_string: 1}[period_containing(PeriodKind.MONTH, D(2026, 3, 5))] == 1


def test_a_fiscal_year_rebuilt_from_its_dates_knows_its_start_month():
    stored = Period("fiscal_year", D(2025, 9, 1), D(2026, 8, 31))  # as an objective is read back
    assert stored.fiscal_year_start_month == 9
    assert stored == period_containing(PeriodKind.FISCAL_YEAR, D(2026, 3, 1), fiscal_year_start_month=9)
    assert span(stored.previous()) == (D(2024, 9, 1), D(2025, 8, 31))
    assert stored.label == "FY2025/26"


def test_periods_are_immutable():
    period = period_containing(PeriodKind.DAY, D(2026, 3, 5))
    with pytest.raises(AttributeError):
        period.end = D(2026, 3, 6)


# Previous comparable period.


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        (PeriodKind.DAY, D(2026, 3, 1), D(2026, 2, 28), D(2026, 2, 28)),
        (PeriodKind.DAY, D(2026, 1, 1), D(2025, 12, 31), D(2025, 12, 31)),
        (PeriodKind.WEEK, D(2026, 1, 1), D(2025, 12, 22), D(2025, 12, 28)),  # 2026-W01 -> 2025-W52
        (PeriodKind.WEEK, D(2021, 1, 6), D(2020, 12, 28), D(2021, 1, 3)),  # 2021-W01 -> 2020-W53
        (PeriodKind.MONTH, D(2026, 3, 15), D(2026, 2, 1), D(2026, 2, 28)),
        (PeriodKind.MONTH, D(2026, 1, 15), D(2025, 12, 1), D(2025, 12, 31)),
        (PeriodKind.QUARTER, D(2026, 2, 10), D(2025, 10, 1), D(2025, 12, 31)),  # Q1 -> Q4 of last year
        (PeriodKind.QUARTER, D(2026, 8, 10), D(2026, 4, 1), D(2026, 6, 30)),
        (PeriodKind.FISCAL_YEAR, D(2026, 6, 10), D(2025, 1, 1), D(2025, 12, 31)),
    ],
)
def test_previous_period_of_each_kind(kind, day, start, end):
    previous = period_containing(kind, day).previous()
    assert previous.kind == kind
    assert span(previous) == (start, end)


def test_previous_of_march_is_february_with_28_days():
    february = period_containing(PeriodKind.MONTH, D(2026, 3, 5)).previous()
    assert february.label == "2026-02"
    assert february.days == 28


def test_previous_fiscal_year_keeps_the_network_start_month():
    fiscal_year = period_containing(PeriodKind.FISCAL_YEAR, D(2026, 11, 24), fiscal_year_start_month=9)
    previous = fiscal_year.previous()
    assert span(previous) == (D(2025, 9, 1), D(2026, 8, 31))
    assert span(previous.previous()) == (D(2024, 9, 1), D(2025, 8, 31))
    assert previous.fiscal_year_start_month == 9


def test_previous_of_the_contract_custom_range_is_the_same_number_of_days_just_before():
    quarter_like = custom_period(D(2026, 1, 1), D(2026, 3, 31))
    previous = quarter_like.previous()
    assert previous.kind == PeriodKind.CUSTOM
    assert span(previous) == (D(2025, 10, 3), D(2025, 12, 31))
    assert previous.days == quarter_like.days == 90


def test_previous_custom_range_across_a_leap_day():
    assert span(custom_period(D(2024, 3, 1), D(2024, 3, 31)).previous()) == (D(2024, 1, 30), D(2024, 2, 29))


def test_previous_of_a_single_day_custom_range_is_the_day_before():
    assert span(custom_period(D(2026, 3, 1), D(2026, 3, 1)).previous()) == (D(2026, 2, 28), D(2026, 2, 28))


def test_a_period_cut_short_has_a_whole_previous_period_and_last_years_same_days():
    # The engine cuts a period under way to date and its previous period itself; last year's same period is cut to
    # as many days, so that customer growth compares 1-10 March with 1-10 March, not with the whole of March.
    march_to_date = replace(period_containing(PeriodKind.MONTH, D(2026, 3, 1)), end=D(2026, 3, 10))
    assert span(march_to_date.previous()) == (D(2026, 2, 1), D(2026, 2, 28))
    assert span(march_to_date.same_period_last_year()) == (D(2025, 3, 1), D(2025, 3, 10))
    assert march_to_date.label == "2026-03"


# Same period last year.


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        (PeriodKind.DAY, D(2026, 3, 5), D(2025, 3, 5), D(2025, 3, 5)),
        (PeriodKind.MONTH, D(2026, 3, 5), D(2025, 3, 1), D(2025, 3, 31)),
        (PeriodKind.MONTH, D(2029, 2, 5), D(2028, 2, 1), D(2028, 2, 29)),
        (PeriodKind.QUARTER, D(2026, 3, 5), D(2025, 1, 1), D(2025, 3, 31)),
        (PeriodKind.FISCAL_YEAR, D(2026, 3, 5), D(2025, 1, 1), D(2025, 12, 31)),
        (PeriodKind.WEEK, D(2021, 3, 10), D(2020, 3, 2), D(2020, 3, 8)),  # 2021-W10 -> 2020-W10
        (PeriodKind.WEEK, D(2026, 1, 1), D(2024, 12, 30), D(2025, 1, 5)),  # 2026-W01 -> 2025-W01
    ],
)
def test_same_period_last_year_of_each_kind(kind, day, start, end):
    last_year = period_containing(kind, day).same_period_last_year()
    assert last_year.kind == kind
    assert span(last_year) == (start, end)


def test_same_week_last_year_is_matched_by_week_number():
    week = period_containing(PeriodKind.WEEK, D(2021, 6, 16))
    last_year = week.same_period_last_year()
    assert last_year.label == "2020-W24"
    assert week.label == "2021-W24"


@pytest.mark.parametrize(
    ("day", "start", "end", "label"),
    [
        (D(2020, 12, 31), D(2019, 12, 23), D(2019, 12, 29), "2019-W52"),  # 2019 has no week 53
        (D(2026, 12, 31), D(2025, 12, 22), D(2025, 12, 28), "2025-W52"),  # 2026 has 53 weeks, 2025 has not
    ],
)
def test_week_53_compares_with_week_52_when_last_year_has_no_week_53(day, start, end, label):
    week = period_containing(PeriodKind.WEEK, day)
    assert week.label.endswith("-W53")
    last_year = week.same_period_last_year()
    assert span(last_year) == (start, end)
    assert last_year.label == label


def test_same_fiscal_year_last_year_keeps_the_network_start_month():
    fiscal_year = period_containing(PeriodKind.FISCAL_YEAR, D(2026, 11, 24), fiscal_year_start_month=9)
    assert span(fiscal_year.same_period_last_year()) == (D(2025, 9, 1), D(2026, 8, 31))


def test_leap_day_last_year_is_28_february():
    last_year = period_containing(PeriodKind.DAY, D(2028, 2, 29)).same_period_last_year()
    assert span(last_year) == (D(2027, 2, 28), D(2027, 2, 28))


def test_custom_range_last_year_shifts_both_dates_and_maps_29_february_to_28_february():
    assert span(custom_period(D(2026, 1, 1), D(2026, 3, 31)).same_period_last_year()) == (
        D(2025, 1, 1),
        D(2025, 3, 31),
    )
    leap = custom_period(D(2028, 2, 1), D(2028, 2, 29)).same_period_last_year()
    assert leap.kind == PeriodKind.CUSTOM
    assert span(leap) == (D(2027, 2, 1), D(2027, 2, 28))
    starting_on_leap_day = custom_period(D(2028, 2, 29), D(2028, 3, 10)).same_period_last_year()
    assert span(starting_on_leap_day) == (D(2027, 2, 28), D(2027, 3, 10))


# Series.


def test_thirteen_months_ending_with_the_month_of_the_end_day():
    months = series(PeriodKind.MONTH, D(2026, 11, 24), 13)
    assert len(months) == 13
    assert months[0].label == "2025-11"
    assert months[-1].label == "2026-11"
    assert span(months[-1]) == (D(2026, 11, 1), D(2026, 11, 30))


@pytest.mark.parametrize(
    ("kind", "count"),
    [(PeriodKind.DAY, 14), (PeriodKind.WEEK, 12), (PeriodKind.MONTH, 13), (PeriodKind.QUARTER, 8),
     (PeriodKind.FISCAL_YEAR, 3)],
)  # fmt: skip
def test_series_periods_are_consecutive_oldest_first(kind, count):
    periods = series(kind, D(2026, 1, 2), count, fiscal_year_start_month=9)
    assert len(periods) == count
    assert periods[-1].contains(D(2026, 1, 2))
    assert all(a.end + timedelta(days=1) == b.start for a, b in zip(periods, periods[1:], strict=False))
    assert {p.kind for p in periods} == {kind}


def test_twelve_weeks_across_the_year_boundary():
    weeks = series(PeriodKind.WEEK, D(2026, 1, 1), 12)
    assert [w.label for w in weeks[-3:]] == ["2025-W51", "2025-W52", "2026-W01"]
    assert weeks[0].label == "2025-W42"


def test_fiscal_year_series_uses_the_network_start_month():
    years = series(PeriodKind.FISCAL_YEAR, D(2026, 11, 24), 3, fiscal_year_start_month=9)
    assert [y.label for y in years] == ["FY2024/25", "FY2025/26", "FY2026/27"]


def test_a_series_of_no_periods_is_empty_and_a_negative_length_is_refused():
    assert series(PeriodKind.MONTH, D(2026, 11, 24), 0) == []
    with pytest.raises(ValueError):
        series(PeriodKind.MONTH, D(2026, 11, 24), -1)


def test_custom_ranges_have_no_series():
    with pytest.raises(ValueError):
        series(PeriodKind.CUSTOM, D(2026, 11, 24), 3)


# Days and elapsed days.


@pytest.mark.parametrize(
    ("kind", "day", "days"),
    [
        (PeriodKind.DAY, D(2026, 3, 5), 1),
        (PeriodKind.WEEK, D(2026, 3, 5), 7),
        (PeriodKind.MONTH, D(2026, 2, 5), 28),
        (PeriodKind.MONTH, D(2028, 2, 5), 29),
        (PeriodKind.QUARTER, D(2026, 2, 5), 90),
        (PeriodKind.FISCAL_YEAR, D(2028, 2, 5), 366),
    ],
)
def test_a_period_counts_its_days(kind, day, days):
    assert period_containing(kind, day).days == days


@pytest.mark.parametrize(
    ("today", "elapsed"),
    [
        (D(2026, 2, 28), 0),  # not started
        (D(2026, 3, 1), 1),  # the first day counts
        (D(2026, 3, 10), 10),
        (D(2026, 3, 31), 31),  # the last day
        (D(2026, 4, 15), 31),  # over
    ],
)
def test_elapsed_days_count_from_the_first_day_up_to_today_and_stop_at_the_end(today, elapsed):
    assert period_containing(PeriodKind.MONTH, D(2026, 3, 5)).elapsed_days(today) == elapsed


def test_contains_is_inclusive_at_both_ends():
    period = custom_period(D(2026, 1, 1), D(2026, 3, 31))
    assert period.contains(D(2026, 1, 1))
    assert period.contains(D(2026, 3, 31))
    assert not period.contains(D(2025, 12, 31))
    assert not period.contains(D(2026, 4, 1))


# Custom ranges and parsing.


def test_custom_range_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="before the start"):
        custom_period(D(2026, 3, 31), D(2026, 3, 1))
    with pytest.raises(ValueError):
        Period(PeriodKind.MONTH, D(2026, 3, 31), D(2026, 3, 1))


def test_parse_period_uses_the_anchor_for_named_kinds():
    anchor = D(2026, 11, 24)
    assert parse_period(PeriodKind.MONTH, anchor) == period_containing(PeriodKind.MONTH, anchor)
    assert parse_period("quarter", anchor).label == "2026-Q4"
    fiscal_year = parse_period(PeriodKind.FISCAL_YEAR, anchor, fiscal_year_start_month=9)
    assert span(fiscal_year) == (D(2026, 9, 1), D(2027, 8, 31))


def test_parse_period_ignores_dates_for_named_kinds():
    month = parse_period(PeriodKind.MONTH, D(2026, 11, 24), start=D(2026, 1, 1), end=D(2026, 1, 5))
    assert span(month) == (D(2026, 11, 1), D(2026, 11, 30))


def test_parse_period_custom_uses_start_and_end_not_the_anchor():
    period = parse_period(PeriodKind.CUSTOM, D(2026, 11, 24), start=D(2026, 1, 1), end=D(2026, 3, 31))
    assert period == custom_period(D(2026, 1, 1), D(2026, 3, 31))


@pytest.mark.parametrize(("start", "end"), [(None, None), (D(2026, 1, 1), None), (None, D(2026, 3, 31))])
def test_parse_period_custom_needs_both_dates(start, end):
    with pytest.raises(ValueError, match="start and an end"):
        parse_period(PeriodKind.CUSTOM, D(2026, 11, 24), start=start, end=end)


def test_parse_period_refuses_a_reversed_custom_range_and_unknown_kinds():
    with pytest.raises(ValueError):
        parse_period(PeriodKind.CUSTOM, D(2026, 11, 24), start=D(2026, 3, 31), end=D(2026, 1, 1))
    with pytest.raises(ValueError):
        parse_period("decade", D(2026, 11, 24))


# Labels.


@pytest.mark.parametrize(
    ("period", "label"),
    [
        (period_containing(PeriodKind.DAY, D(2026, 3, 5)), "2026-03-05"),
        (period_containing(PeriodKind.WEEK, D(2026, 1, 29)), "2026-W05"),
        (period_containing(PeriodKind.MONTH, D(2026, 3, 5)), "2026-03"),
        (period_containing(PeriodKind.QUARTER, D(2026, 3, 5)), "2026-Q1"),
        (period_containing(PeriodKind.QUARTER, D(2026, 11, 5)), "2026-Q4"),
        (period_containing(PeriodKind.FISCAL_YEAR, D(2026, 3, 5)), "FY2026"),
        (period_containing(PeriodKind.FISCAL_YEAR, D(2026, 3, 5), fiscal_year_start_month=9), "FY2025/26"),
        (period_containing(PeriodKind.FISCAL_YEAR, D(2099, 12, 5), fiscal_year_start_month=4), "FY2099/00"),
        (custom_period(D(2026, 1, 1), D(2026, 3, 31)), "2026-01-01 – 2026-03-31"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_period_has_its_label(period, label):
    assert period.label == label


def test_kind_labels_are_translated_from_english_msgids():
    assert PeriodKind.values == ["day", "week", "month", "quarter", "fiscal_year", "custom"]
    with translation.override("en"):
        assert str(PeriodKind.FISCAL_YEAR.label) == "Fiscal year"
        assert str(PeriodKind.CUSTOM.label) == "Custom range"
