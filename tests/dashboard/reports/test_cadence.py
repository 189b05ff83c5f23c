"""The reporting cadences, as exact dates: a new project's first four months (article 004: weekly for a month,
every two weeks for the next two months, then monthly), each regular cadence over a year, and the local send time
across daylight saving."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.constants import ReportCadence
from dashboard.reports.cadence import report_sends, send_moment, sends_due

D = date.fromisoformat


def table(sends):
    return [(s.day.isoformat(), s.period.start.isoformat(), s.period.end.isoformat()) for s in sends]


def test_a_new_project_is_reported_weekly_for_a_month_every_two_weeks_for_two_then_monthly():
    sends = report_sends(cadence=ReportCadence.NEW_PROJECT, start=D("2026-01-05"), until=D("2026-05-05"))

    assert table(sends) == [
        # weekly for the first month
        ("2026-01-12", "2026-01-05", "2026-01-11"),
        ("2026-01-19", "2026-01-12", "2026-01-18"),
        ("2026-01-26", "2026-01-19", "2026-01-25"),
        ("2026-02-02", "2026-01-26", "2026-02-01"),
        # every two weeks for the next two months
        ("2026-02-16", "2026-02-02", "2026-02-15"),
        ("2026-03-02", "2026-02-16", "2026-03-01"),
        ("2026-03-16", "2026-03-02", "2026-03-15"),
        ("2026-03-30", "2026-03-16", "2026-03-29"),
        # then monthly, each covering the days since the previous send
        ("2026-04-30", "2026-03-30", "2026-04-29"),
    ]
    # Each is compared with as many days just before it.
    assert [(s.previous.start.isoformat(), s.previous.end.isoformat()) for s in sends[3:5]] == [
        ("2026-01-19", "2026-01-25"), ("2026-01-19", "2026-02-01")]


def test_a_new_projects_monthly_sends_keep_their_day_of_the_month():
    sends = report_sends(cadence=ReportCadence.NEW_PROJECT, start=D("2025-11-07"), until=D("2026-06-30"))

    monthly = [s.day.isoformat() for s in sends[8:]]
    assert sends[7].day == D("2026-01-30")  # the twelfth week
    assert monthly == ["2026-02-28", "2026-03-30", "2026-04-30", "2026-05-30", "2026-06-30"]
    assert all(a.period.end + timedelta(days=1) == b.period.start for a, b in zip(sends, sends[1:], strict=False))


def test_weekly_sends_each_monday_the_iso_week_just_ended_over_a_year():
    sends = report_sends(cadence=ReportCadence.WEEKLY, start=D("2026-01-07"), until=D("2026-12-31"))

    assert table(sends[:2]) == [("2026-01-12", "2026-01-05", "2026-01-11"), ("2026-01-19", "2026-01-12", "2026-01-18")]
    assert len(sends) == 51 and all(s.day.weekday() == 0 and s.period.days == 7 for s in sends)
    assert table(sends[-1:]) == [("2026-12-28", "2026-12-21", "2026-12-27")]
    assert sends[5].previous == sends[4].period and sends[5].last_year.start == D("2025-02-10")


def test_biweekly_sends_every_other_monday_the_two_weeks_just_ended():
    sends = report_sends(cadence=ReportCadence.BIWEEKLY, start=D("2026-01-07"), until=D("2026-12-31"))

    assert table(sends[:3]) == [("2026-01-19", "2026-01-05", "2026-01-18"), ("2026-02-02", "2026-01-19", "2026-02-01"),
                                ("2026-02-16", "2026-02-02", "2026-02-15")]  # fmt: skip
    assert len(sends) == 25 and {(b.day - a.day).days for a, b in zip(sends, sends[1:], strict=False)} == {14}
    assert sends[3].previous == sends[2].period


def test_monthly_sends_on_the_first_the_month_just_ended():
    sends = report_sends(cadence=ReportCadence.MONTHLY, start=D("2026-01-15"), until=D("2026-12-31"))

    assert [s.day.isoformat() for s in sends] == [f"2026-{m:02d}-01" for m in range(2, 13)]
    assert table(sends[:2]) == [("2026-02-01", "2026-01-01", "2026-01-31"), ("2026-03-01", "2026-02-01", "2026-02-28")]
    assert (sends[1].previous.start, sends[1].previous.end) == (D("2026-01-01"), D("2026-01-31"))


def test_fiscal_quarters_start_at_the_networks_fiscal_month():
    sends = report_sends(cadence=ReportCadence.FISCAL_QUARTER, start=D("2025-10-20"), until=D("2026-12-31"),
                         fiscal_year_start_month=9)  # fmt: skip

    assert table(sends) == [
        ("2025-12-01", "2025-09-01", "2025-11-30"),
        ("2026-03-01", "2025-12-01", "2026-02-28"),
        ("2026-06-01", "2026-03-01", "2026-05-31"),
        ("2026-09-01", "2026-06-01", "2026-08-31"),
        ("2026-12-01", "2026-09-01", "2026-11-30"),
    ]
    assert (sends[1].previous.start, sends[1].previous.end) == (D("2025-09-01"), D("2025-11-30"))
    calendar = report_sends(cadence=ReportCadence.FISCAL_QUARTER, start=D("2026-02-01"), until=D("2026-12-31"))
    assert [s.day.isoformat() for s in calendar] == ["2026-04-01", "2026-07-01", "2026-10-01"]


PARIS, NEW_YORK = ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")


@pytest.mark.parametrize(("day", "zone", "local", "utc"), [
    ("2026-03-02", PARIS, time(8), "2026-03-02T07:00:00+00:00"),  # winter: UTC+1
    ("2026-03-30", PARIS, time(8), "2026-03-30T06:00:00+00:00"),  # the day after the clocks went forward: UTC+2
    ("2026-03-29", PARIS, time(2, 30), "2026-03-29T01:30:00+00:00"),  # a time the clocks skip: as late as the gap
    ("2026-11-01", NEW_YORK, time(1, 30), "2026-11-01T05:30:00+00:00"),  # a time shown twice: the first one
])  # fmt: skip
def test_a_send_goes_out_at_its_local_time_whatever_daylight_saving(day, zone, local, utc):
    assert send_moment(day=D(day), time_of_day=local, zone=zone).isoformat() == utc


def test_a_send_is_due_from_its_local_time_and_not_later_than_the_catch_up_window():
    def due(now):
        return [s.day.isoformat() for s, _m in sends_due(cadence=ReportCadence.WEEKLY, start=D("2026-03-02"),
                                                          time_of_day=time(8), zone=PARIS, now=now,
                                                          window=timedelta(hours=24))]  # fmt: skip

    assert due(datetime(2026, 3, 30, 5, 59, tzinfo=UTC)) == []  # 07:59 in Paris, summer time since Sunday
    assert due(datetime(2026, 3, 30, 6, 0, tzinfo=UTC)) == ["2026-03-30"]
    assert due(datetime(2026, 3, 31, 5, 59, tzinfo=UTC)) == ["2026-03-30"]
    assert due(datetime(2026, 3, 31, 6, 0, tzinfo=UTC)) == []  # a day late: stale, not sent
