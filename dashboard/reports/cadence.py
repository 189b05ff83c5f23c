"""When a scheduled report goes out and which days each send covers: pure calendar arithmetic, no ORM.

A send goes out on a local day (the network's), at the report's local time of day, and covers the days just before
it, up to the day before it:

- weekly: every Monday, the ISO week just ended;
- biweekly: every other Monday, the two ISO weeks just ended;
- monthly: on the 1st, the month just ended;
- fiscal_quarter: on the first day of each fiscal quarter, the one just ended (quarters start at the network's
  fiscal-year start month: September gives September-November, December-February, March-May, June-August);
- new_project (article 004: "weekly for a month, every two weeks for the next two months, then monthly"): counted
  from the project's start, weekly while the send falls within a month of the start, then every two weeks while it
  falls within three months of it, then monthly; each send covers the days since the previous one. With weeks of
  seven days and months of 28 to 31, that is always four weekly sends, four every two weeks, then a send a month on
  the day of the month of the twelfth week.

The report's start date anchors the others: the first send covers the period that contains it (for biweekly, the
two weeks that start with its ISO week). Each send also names the period it is compared with: the previous one of
the same length (the previous fiscal quarter for a fiscal quarter) and the same days a year earlier.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from kpis.periods import Period, PeriodKind, custom_period, period_containing, shift_months

from ..constants import ReportCadence

WEEK = timedelta(days=7)
NEW_PROJECT_WEEKLY_MONTHS = 1
NEW_PROJECT_BIWEEKLY_MONTHS = 3


@dataclass(frozen=True)
class Send:
    """One send of a report: the local day it goes out, the days it covers, and what they are compared with."""

    day: date
    period: Period
    previous: Period

    @property
    def last_year(self):
        return self.period.same_period_last_year()


def _fiscal_quarter_containing(day, fiscal_year_start_month):
    offset = (day.month - fiscal_year_start_month) % 3
    start = shift_months(date(day.year, day.month, 1), -offset)
    return custom_period(start, shift_months(start, 3) - timedelta(days=1))


def _regular_periods(cadence, start, fiscal_year_start_month):
    """The periods a regular cadence covers, from the one that contains `start`, forever."""
    if cadence in (ReportCadence.WEEKLY, ReportCadence.MONTHLY):
        kind = PeriodKind.WEEK if cadence == ReportCadence.WEEKLY else PeriodKind.MONTH
        period = period_containing(kind, start)
        while True:
            yield period, period.previous()
            period = period_containing(kind, period.end + timedelta(days=1))
    elif cadence == ReportCadence.BIWEEKLY:
        monday = start - timedelta(days=start.weekday())
        period = custom_period(monday, monday + 2 * WEEK - timedelta(days=1))
        while True:
            yield period, period.previous()
            period = custom_period(period.end + timedelta(days=1), period.end + 2 * WEEK)
    elif cadence == ReportCadence.FISCAL_QUARTER:
        period = _fiscal_quarter_containing(start, fiscal_year_start_month)
        while True:
            yield period, _fiscal_quarter_containing(period.start - timedelta(days=1), fiscal_year_start_month)
            period = _fiscal_quarter_containing(period.end + timedelta(days=1), fiscal_year_start_month)
    else:
        raise ValueError(f"{cadence!r} is not a regular cadence.")


def _new_project_days(start):
    """The send days of a new project, forever (see the module's docstring)."""
    day = start
    while day + WEEK <= shift_months(start, NEW_PROJECT_WEEKLY_MONTHS):
        day += WEEK
        yield day
    while day + 2 * WEEK <= shift_months(start, NEW_PROJECT_BIWEEKLY_MONTHS):
        day += 2 * WEEK
        yield day
    anchor, months = day, 0
    while True:
        months += 1  # from the anchor each time, so that 31 January does not drift to the 28th for good
        yield shift_months(anchor, months)


def report_sends(*, cadence, start, until, fiscal_year_start_month=1):
    """Every send of a report whose first period contains `start` (a new project's start), up to the local day
    `until` included, oldest first."""
    cadence = ReportCadence(cadence)
    sends = []
    if cadence == ReportCadence.NEW_PROJECT:
        previous_day = start
        for day in _new_project_days(start):
            if day > until:
                break
            period = custom_period(previous_day, day - timedelta(days=1))
            sends.append(Send(day, period, period.previous()))
            previous_day = day
        return sends
    for period, previous in _regular_periods(cadence, start, fiscal_year_start_month):
        day = period.end + timedelta(days=1)
        if day > until:
            break
        sends.append(Send(day, period, previous))
    return sends


def send_moment(*, day, time_of_day, zone):
    """The instant (UTC) when the clock in `zone` shows `time_of_day` on `day`. A time the clocks skip (02:30 on
    the night they go forward) goes out as late as the gap (03:30); a time they show twice, the first time."""
    local = datetime.combine(day, time_of_day, tzinfo=zone)  # fold=0: the earlier of two, before a gap's offset
    return local.astimezone(UTC)


def sends_due(*, cadence, start, time_of_day, zone, now, window, fiscal_year_start_month=1):
    """The sends whose moment has come within `window` before `now`: [(send, moment)]. A send missed for longer
    (workers down for days) is not sent late: its news would be stale."""
    today = now.astimezone(zone).date()
    recent = report_sends(cadence=cadence, start=start, until=today, fiscal_year_start_month=fiscal_year_start_month)
    due = []
    for send in reversed(recent):
        moment = send_moment(day=send.day, time_of_day=time_of_day, zone=zone)
        if moment <= now - window:
            break
        if moment <= now:
            due.append((send, moment))
    return due[::-1]


