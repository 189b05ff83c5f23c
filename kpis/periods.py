"""Periods: day, ISO week, month, quarter, fiscal year and custom ranges, with their comparable periods.

A period is an inclusive pair of local dates (days are already cut in the network's time zone). Each named period
compares with the previous one of its kind and with the same one last year; a custom range compares with the
same number of days immediately before it.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    FISCAL_YEAR = "fiscal_year", _("Fiscal year")
    CUSTOM = "custom", _("Custom range")


def _shift_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _one_year_back(day):
    """The same date a year earlier; 29 February becomes 28 February."""
    return _shift_months(day, -12)


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date
    fiscal_year_start_month: int = 1

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def contains(self, day):
        return self.start <= day <= self.end

    def elapsed_days(self, today):
        """Days of the period up to and including `today`."""
        if today < self.start:
            return 0
        return min(self.days, (today - self.start).days + 1)

    @property
    def label(self):
        kind = PeriodKind(self.kind)
        if kind == PeriodKind.DAY:
            return self.start.isoformat()
        if kind == PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if kind == PeriodKind.FISCAL_YEAR:
            if self.start.month == 1:
                return f"FY{self.start.year}"
            return f"FY{self.start.year}/{(self.end.year) % 100:02d}"
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    def _containing(self, day):
        return period_containing(self.kind, day, fiscal_year_start_month=self.fiscal_year_start_month)

    def previous(self):
        """The previous period of the same kind; for a custom range, the same number of days just before."""
        if self.kind == PeriodKind.CUSTOM:
            return Period(self.kind, self.start - timedelta(days=self.days), self.start - timedelta(days=1),
                          self.fiscal_year_start_month)  # fmt: skip
        return self._containing(self.start - timedelta(days=1))

    def same_period_last_year(self):
        if self.kind in (PeriodKind.CUSTOM, PeriodKind.DAY):
            return Period(self.kind, _one_year_back(self.start), _one_year_back(self.end),
                          self.fiscal_year_start_month)  # fmt: skip
        if self.kind == PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            weeks_last_year = date(year - 1, 12, 28).isocalendar()[1]
            monday = date.fromisocalendar(year - 1, min(week, weeks_last_year), 1)
            return self._containing(monday)
        return self._containing(_one_year_back(self.start))


def period_containing(kind, day, *, fiscal_year_start_month=1):
    """The period of `kind` (any but custom) that contains `day`."""
    kind = PeriodKind(kind)
    if kind == PeriodKind.DAY:
        return Period(kind, day, day, fiscal_year_start_month)
    if kind == PeriodKind.WEEK:
        monday = day - timedelta(days=day.weekday())
        return Period(kind, monday, monday + timedelta(days=6), fiscal_year_start_month)
    if kind == PeriodKind.MONTH:
        start = day.replace(day=1)
    elif kind == PeriodKind.QUARTER:
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    elif kind == PeriodKind.FISCAL_YEAR:
        year = day.year if day.month >= fiscal_year_start_month else day.year - 1
        start = date(year, fiscal_year_start_month, 1)
    else:
        raise ValueError("A custom period is not found from a day; use custom_period(start, end).")
    months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.FISCAL_YEAR: 12}[kind]
    end = _shift_months(start, months) - timedelta(days=1)
    return Period(kind, start, end, fiscal_year_start_month)


def custom_period(start, end):
    if end < start:
        raise ValueError(f"The end {end.isoformat()} is before the start {start.isoformat()}.")
    return Period(PeriodKind.CUSTOM, start, end)


def series(kind, end_day, count, *, fiscal_year_start_month=1):
    """The `count` consecutive periods of `kind` ending with the one that contains `end_day`, oldest first."""
    periods = [period_containing(kind, end_day, fiscal_year_start_month=fiscal_year_start_month)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods[::-1]


def parse_period(kind, anchor, *, start=None, end=None, fiscal_year_start_month=1):
    """The period a page or the API asks for: a custom range needs `start` and `end`; the others contain `anchor`."""
    if kind == PeriodKind.CUSTOM:
        if start is None or end is None:
            raise ValueError("A custom period needs a start and an end.")
        return custom_period(start, end)
    return period_containing(kind, anchor, fiscal_year_start_month=fiscal_year_start_month)
