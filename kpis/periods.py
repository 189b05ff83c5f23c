"""Periods: day, ISO week, month, quarter, fiscal year and custom ranges, with their comparable periods.

A period is an inclusive pair of local dates: days are already cut in the network's time zone before they get here,
which is why datetimes are refused. Each named period compares with the previous one of its kind and with the same
one last year; a custom range compares with the same number of days immediately before it (2026-01-10..2026-02-08
has previous 2025-12-11..2026-01-09), unless its dates make a calendar period (`calendar_period`: 2026-01-01..
2026-03-31 is the first quarter, and compares with 2025-10-01..2025-12-31).

Pure calendar arithmetic (datetime and calendar only, no ORM), so that the engine, the board, the API and the
`kpi` command all agree on what "last month" means.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class PeriodKind(TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")  # ISO 8601: starts on Monday, week 1 holds the year's first Thursday
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    FISCAL_YEAR = "fiscal_year", _("Fiscal year")  # starts on the 1st of the network's fiscal_year_start_month
    CUSTOM = "custom", _("Custom range")


# The days a figure may be asked about or a fact dated: wide enough for any network's history and plans, narrow
# enough that every comparison (a year back, a range's length back), series (24 months back) and time-zone shift
# around them is still a date. A day outside is refused where it comes in (query string, form, file, command).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def day_outside_bounds(day: date) -> str:
    """Why `day` cannot be asked about or stored ("" when it can), in words for the person who typed it."""
    if FIRST_DAY <= day <= LAST_DAY:
        return ""
    return str(_("%(day)s is outside %(first)s – %(last)s") % {
        "day": day.isoformat(), "first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()})  # fmt: skip


def range_reversed(start: date, end: date) -> str:
    """Why a range from `start` to `end` cannot be shown ("" when it can), naming the parameter people typed."""
    if end >= start:
        return ""
    return str(_("end: %(end)s is before start %(start)s") % {"end": end.isoformat(), "start": start.isoformat()})


# Named kinds made of whole months, and how many.
_MONTHS_LONG = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.FISCAL_YEAR: 12}


def _check_day(value: object, name: str) -> None:
    # datetime is a subclass of date: let one through and it would be cut in the server's zone, not the network's,
    # and then fail to compare with plain dates further on.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a date (a local day), not {type(value).__name__}.")


def _check_fiscal_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"A fiscal year starts in a month from 1 to 12, not {month!r}.")


def shift_months(day: date, months: int) -> date:
    """`day` moved by `months`, kept inside the target month (31 March - 1 month is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _one_year_back(day: date) -> date:
    """The same date a year earlier; 29 February, which last year lacks, becomes 28 February."""
    return shift_months(day, -12)


def _iso_weeks_in(year: int) -> int:
    """52 or 53: 28 December always falls in the last ISO week of its year."""
    return date(year, 12, 28).isocalendar().week


@dataclass(frozen=True)
class Period:
    """An inclusive range of local days of a given kind.

    `kind` may be given as a plain string (objectives store it so); it is turned into a PeriodKind, so that
    `Period("month", ...)` and `Period(PeriodKind.MONTH, ...)` are equal and hash alike (the engine keys its totals
    by period). The engine also cuts periods under way short with `dataclasses.replace(end=...)`; such a period keeps
    its kind and start, so previous() and same_period_last_year() still give whole comparable periods.

    `fiscal_year_start_month` is the network's setting, carried so that a period can find its neighbours. It is not
    part of a period's identity (the dates are), and a fiscal year takes it from its own start, so a fiscal year
    rebuilt from stored dates (an objective) still knows where its neighbours begin.
    """

    kind: PeriodKind
    start: date
    end: date
    fiscal_year_start_month: int = field(default=1, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", PeriodKind(self.kind))
        _check_day(self.start, "start")
        _check_day(self.end, "end")
        if self.end < self.start:
            raise ValueError(f"The end {self.end.isoformat()} is before the start {self.start.isoformat()}.")
        _check_fiscal_month(self.fiscal_year_start_month)
        if self.kind == PeriodKind.FISCAL_YEAR:
            object.__setattr__(self, "fiscal_year_start_month", self.start.month)

    @property
    def days(self) -> int:
        """Number of days, both ends included."""
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def elapsed_days(self, today: date) -> int:
        """Days of the period up to and including `today`: 0 before it starts, all of them once it is over."""
        if today < self.start:
            return 0
        if today > self.end:
            return self.days
        return (today - self.start).days + 1

    @property
    def label(self) -> str:
        """A short, language-neutral name: 2026-03-05, 2026-W05, 2026-03, 2026-Q1, FY2026 or FY2025/26, or the
        two dates of a custom range. Named kinds are labelled from their start, so a period cut short keeps its
        name."""
        start = self.start
        if self.kind == PeriodKind.DAY:
            return start.isoformat()
        if self.kind == PeriodKind.WEEK:
            year, week, _weekday = start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == PeriodKind.MONTH:
            return f"{start.year:04d}-{start.month:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"
        if self.kind == PeriodKind.FISCAL_YEAR:
            # A fiscal year straddling two calendar years is named after both, so that nobody has to guess whether
            # "FY2026" means the one that starts or the one that ends in 2026.
            if start.month == 1:
                return f"FY{start.year:04d}"
            return f"FY{start.year:04d}/{(start.year + 1) % 100:02d}"
        return f"{start.isoformat()} – {self.end.isoformat()}"

    def previous(self) -> Period:
        """The previous comparable period: the previous day, ISO week, month, quarter or fiscal year; for a custom
        range, the same number of days immediately before it."""
        if self.kind == PeriodKind.CUSTOM:
            return Period(
                self.kind,
                self.start - timedelta(days=self.days),
                self.start - timedelta(days=1),
                self.fiscal_year_start_month,
            )
        return self._containing(self.start - timedelta(days=1))

    def same_period_last_year(self) -> Period:
        """The same period one year earlier.

        A day or a custom range moves both its dates back a year (29 February becomes 28 February). An ISO week is
        the week with the same number in the previous ISO year, week 52 when that year has no week 53: weeks are
        compared by number, not by date, since a week a year back by date straddles two different weeks.
        Months, quarters and fiscal years are the one of the same kind a year earlier. A named period cut short (a
        month to date) gives last year's period cut to as many days from its start: 1-4 December, 1-4 December.
        """
        if self.kind in (PeriodKind.DAY, PeriodKind.CUSTOM):
            return Period(self.kind, _one_year_back(self.start), _one_year_back(self.end), self.fiscal_year_start_month)
        if self.kind == PeriodKind.WEEK:
            year, week, _weekday = self.start.isocalendar()
            monday = date.fromisocalendar(year - 1, min(week, _iso_weeks_in(year - 1)), 1)
            last_year = self._containing(monday)
        else:
            last_year = self._containing(_one_year_back(self.start))
        if self.end < self._containing(self.start).end:
            return replace(last_year, end=min(last_year.end, last_year.start + timedelta(days=self.days - 1)))
        return last_year

    def _containing(self, day: date) -> Period:
        return period_containing(self.kind, day, fiscal_year_start_month=self.fiscal_year_start_month)


def period_containing(kind: PeriodKind | str, day: date, *, fiscal_year_start_month: int = 1) -> Period:
    """The period of `kind` (any kind but custom) that contains `day`.

    A fiscal year starting in September that contains 2026-11-24 runs 2026-09-01..2027-08-31; the one that contains
    2026-03-01 runs 2025-09-01..2026-08-31.
    """
    kind = PeriodKind(kind)
    _check_day(day, "day")
    _check_fiscal_month(fiscal_year_start_month)
    if kind == PeriodKind.DAY:
        return Period(kind, day, day, fiscal_year_start_month)
    if kind == PeriodKind.WEEK:
        monday = day - timedelta(days=day.weekday())
        return Period(kind, monday, monday + timedelta(days=6), fiscal_year_start_month)
    if kind == PeriodKind.MONTH:
        start = date(day.year, day.month, 1)
    elif kind == PeriodKind.QUARTER:
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    elif kind == PeriodKind.FISCAL_YEAR:
        year = day.year if day.month >= fiscal_year_start_month else day.year - 1
        start = date(year, fiscal_year_start_month, 1)
    else:
        raise ValueError("A custom range does not follow from a day; use custom_period(start, end).")
    end = shift_months(start, _MONTHS_LONG[kind]) - timedelta(days=1)
    return Period(kind, start, end, fiscal_year_start_month)


def custom_period(start: date, end: date) -> Period:
    """Any inclusive range of days; ValueError when `end` is before `start`."""
    return Period(PeriodKind.CUSTOM, start, end)


CALENDAR_KINDS = (PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.FISCAL_YEAR)


def calendar_period(period: Period, *, fiscal_year_start_month: int = 1) -> Period:
    """`period` as the calendar period its dates make, if they make one: an ISO week, a month, a quarter or a fiscal
    year (starting in `fiscal_year_start_month`) typed as two dates is that period, and compares as one (November
    with October, not with the 30 days before it). Any other range, or a period already named, is returned as it is.
    """
    if period.kind != PeriodKind.CUSTOM:
        return period
    for kind in CALENDAR_KINDS:
        named = period_containing(kind, period.start, fiscal_year_start_month=fiscal_year_start_month)
        if (named.start, named.end) == (period.start, period.end):
            return named
    return period


def series(kind: PeriodKind | str, end_day: date, count: int, *, fiscal_year_start_month: int = 1) -> list[Period]:
    """The `count` consecutive periods of `kind` ending with the one that contains `end_day`, oldest first
    (sparklines: 13 months by month, 12 weeks by week). Custom ranges have no series."""
    if count < 0:
        raise ValueError(f"A series has zero or more periods, not {count}.")
    if count == 0:
        return []
    periods = [period_containing(kind, end_day, fiscal_year_start_month=fiscal_year_start_month)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    periods.reverse()
    return periods


def parse_period(
    kind: PeriodKind | str,
    anchor: date,
    *,
    start: date | None = None,
    end: date | None = None,
    fiscal_year_start_month: int = 1,
) -> Period:
    """The period a page or the API asks for: a custom range needs `start` and `end`; any other kind is the period
    that contains `anchor` (usually today, in the network's time zone). ValueError for an unknown kind, a custom
    range without both dates or with its end before its start."""
    kind = PeriodKind(kind)
    if kind == PeriodKind.CUSTOM:
        if start is None or end is None:
            raise ValueError("A custom range needs a start and an end.")
        return custom_period(start, end)
    return period_containing(kind, anchor, fiscal_year_start_month=fiscal_year_start_month)
