"""The day and the month the question tests ask about."""

from datetime import date

from kpis.periods import PeriodKind, period_containing

DAY = date(2026, 3, 10)
MARCH = period_containing(PeriodKind.MONTH, DAY)
