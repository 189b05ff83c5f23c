"""Which days a board counts and what it compares them with (kpi-catalog.md, "Which period a comparison uses"),
and how a change is counted ("Change"): every expected date and figure below is written by hand."""

from datetime import date
from decimal import Decimal

import pytest

from kpis.boards import board_range, default_period
from kpis.catalog import CATALOG
from kpis.engine import KpiReport, KpiValue
from kpis.periods import PeriodKind, custom_period, period_containing


def days(board_range_):
    return [(p.start.isoformat(), p.end.isoformat()) for p in board_range_.compared]


@pytest.mark.parametrize(("start", "end", "today", "fiscal", "expected"), [
    # A month under way, typed as its dates or picked: counted to date, each comparison as many days from its start.
    ("2026-12-01", "2026-12-31", "2026-12-04", 1,
     [("2026-12-01", "2026-12-04"), ("2026-11-01", "2026-11-04"), ("2025-12-01", "2025-12-04")]),
    # A whole month of 30 days compares with the whole month before (31 days) and the same month last year.
    ("2026-11-01", "2026-11-30", "2026-12-04", 1,
     [("2026-11-01", "2026-11-30"), ("2026-10-01", "2026-10-31"), ("2025-11-01", "2025-11-30")]),
    # A whole month of 31 days, after a month of 30.
    ("2026-10-01", "2026-10-31", "2026-12-04", 1,
     [("2026-10-01", "2026-10-31"), ("2026-09-01", "2026-09-30"), ("2025-10-01", "2025-10-31")]),
    # March after a February of 28 days; and a month under way on its 31st day is the whole month.
    ("2026-03-01", "2026-03-31", "2026-03-31", 1,
     [("2026-03-01", "2026-03-31"), ("2026-02-01", "2026-02-28"), ("2025-03-01", "2025-03-31")]),
    # A quarter typed as dates is the quarter: Q3 against Q2.
    ("2026-07-01", "2026-09-30", "2026-12-04", 1,
     [("2026-07-01", "2026-09-30"), ("2026-04-01", "2026-06-30"), ("2025-07-01", "2025-09-30")]),
    # A fiscal year starting in September, typed as dates, under way on 4 December: 95 days of each.
    ("2026-09-01", "2027-08-31", "2026-12-04", 9,
     [("2026-09-01", "2026-12-04"), ("2025-09-01", "2025-12-04"), ("2025-09-01", "2025-12-04")]),
    # The ISO week of the change to summer time (Sunday 29 March 2026) against the week before and week 13 of 2025.
    ("2026-03-23", "2026-03-29", "2026-12-04", 1,
     [("2026-03-23", "2026-03-29"), ("2026-03-16", "2026-03-22"), ("2025-03-24", "2025-03-30")]),
    # The week of the change back (25 October 2026), under way on its Sunday's eve.
    ("2026-10-19", "2026-10-25", "2026-10-24", 1,
     [("2026-10-19", "2026-10-24"), ("2026-10-12", "2026-10-17"), ("2025-10-20", "2025-10-25")]),
    # Any other range: as many days just before it, the same dates last year.
    ("2026-10-15", "2026-11-20", "2026-12-04", 1,
     [("2026-10-15", "2026-11-20"), ("2026-09-08", "2026-10-14"), ("2025-10-15", "2025-11-20")]),
])  # fmt: skip
def test_a_range_is_compared_by_the_calendar_rule(start, end, today, fiscal, expected):
    period = custom_period(date.fromisoformat(start), date.fromisoformat(end))

    assert days(board_range(period=period, today=date.fromisoformat(today), fiscal_year_start_month=fiscal)) == expected


def test_a_period_picked_and_the_same_dates_typed_are_read_alike():
    today = date(2026, 12, 4)
    picked = board_range(period=period_containing(PeriodKind.MONTH, today), today=today)
    typed = board_range(period=custom_period(date(2026, 12, 1), date(2026, 12, 31)), today=today)

    assert picked == typed and picked.under_way and picked.asked.kind == PeriodKind.MONTH


def test_a_cut_months_last_year_is_cut_alike_for_growth():
    """Customer growth counts this period's new customers against last year's: the same days, not the whole month."""
    cut = custom_period(date(2026, 12, 1), date(2026, 12, 4))
    month_to_date = period_containing(PeriodKind.MONTH, date(2026, 12, 4))
    cut_month = type(month_to_date)(PeriodKind.MONTH, date(2026, 12, 1), date(2026, 12, 4))

    assert (cut_month.same_period_last_year().start, cut_month.same_period_last_year().end) == (
        date(2025, 12, 1), date(2025, 12, 4))
    assert (cut.same_period_last_year().start, cut.same_period_last_year().end) == (
        date(2025, 12, 1), date(2025, 12, 4))
    assert month_to_date.same_period_last_year().end == date(2025, 12, 31)


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 12, 1), ("2026-11-01", "2026-11-30")), (date(2026, 12, 2), ("2026-11-01", "2026-11-30")),
    (date(2026, 12, 7), ("2026-11-01", "2026-11-30")), (date(2026, 12, 8), ("2026-12-01", "2026-12-31")),
    (date(2026, 12, 20), ("2026-12-01", "2026-12-31")), (date(2027, 1, 3), ("2026-12-01", "2026-12-31")),
])  # fmt: skip
def test_the_board_opens_on_last_month_whole_during_a_months_first_week(today, expected):
    period = default_period(today=today)

    assert (period.kind, period.start.isoformat(), period.end.isoformat()) == (PeriodKind.MONTH, *expected)


def report(key, current, previous):
    period = custom_period(date(2026, 11, 1), date(2026, 11, 30))
    value = lambda v: KpiValue(CATALOG[key], period, None if v is None else Decimal(v), None, None)  # noqa: E731
    return KpiReport(value(current), value(previous), value(None))


@pytest.mark.parametrize(("key", "current", "previous", "change", "unit"), [
    ("roi", "1136.00", "1862.00", "-726.00", "pts"),  # a rate moves in points, not "-39,0 %"
    ("roi", "-14.29", "-3.49", "-10.80", "pts"),  # from a negative base: 10,8 points lower, not "+309,4 %"
    ("capture_rate", "48.20", "22.10", "26.10", "pts"),
    ("sales_revenue", "1278.60", "1000.00", "27.86", "%"),  # money: relative
    ("leads", "0", "40", "-100.00", "%"),
    ("leads", "40", "0", None, "%"),  # from zero: no percentage
    ("cpl", "12.00", None, None, "%"),
    ("sales_revenue", "-50.00", "100.00", None, "%"),  # across a change of sign: no percentage
    ("sales_revenue", "50.00", "-100.00", None, "%"),
])  # fmt: skip
def test_a_change_is_in_points_for_rates_and_relative_otherwise(key, current, previous, change, unit):
    subject = report(key, current, previous)

    assert subject.change_previous == (None if change is None else Decimal(change))
    assert subject.change_unit == unit
