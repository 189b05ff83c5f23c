"""Figures and periods in words, in the active language, for every surface: pages (the template tags wrap these),
the wall, e-mails, PDFs, chart images and the question texts.

Units, currency, a missing value, the direction of a change in words (colour is never the only signal), an
objective's pace, and a period named as people say it.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from kpis.engine import PERCENT, Pace
from kpis.periods import PeriodKind

NO_VALUE = "—"


# Numbers ---------------------------------------------------------------------------------------------------------


NBSP = "\xa0"  # between a number and its unit, so that "12,5 %" never breaks across lines


def decimal_text(value, places):
    """`value` rounded half-up to `places` decimals, in the active language with grouped thousands: the one rounding
    of a displayed number (docs: kpi-catalog.md, "Displayed numbers"); Django's number_format alone cuts."""
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(rounded, places, force_grouping=True)


def currency_symbol(code):
    return {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "CAD": "$ CA"}.get(code, code)


def money(value, currency="EUR"):
    """An amount of money: "1 279 €" from a thousand up (the cents rounded, not dropped), "12,50 €" below; "—"
    when unknown."""
    if value is None:
        return NO_VALUE
    cents = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    places = 0 if abs(cents) >= 1000 else 2
    return f"{decimal_text(cents, places)}{NBSP}{currency_symbol(currency)}"


def duration(seconds):
    """Seconds as people read them: "4 min 05 s", "45 s"; "—" when unknown."""
    if seconds is None:
        return NO_VALUE
    minutes, rest = divmod(int(Decimal(seconds).quantize(Decimal(1), rounding=ROUND_HALF_UP)), 60)
    return f"{minutes}{NBSP}min {rest:02d}{NBSP}s" if minutes else f"{rest}{NBSP}s"


def format_kpi_number(value, kpi, currency):
    """A number in `kpi`'s unit: "1 234 €", "12,5 %", "4 min 05 s", "—" when there is none."""
    if value is None:
        return NO_VALUE
    unit = kpi.unit
    if unit == "count":
        return decimal_text(value, 0)
    if unit == "money":
        return money(value, currency)
    if unit == "%":
        return f"{decimal_text(value, 1)}{NBSP}%"
    if unit == "seconds":
        return duration(value)
    return decimal_text(value, 2)


def kpi_value_text(kpi_value, currency="EUR"):
    """A KpiValue as a person reads it; "—" when there is none."""
    if kpi_value is None:
        return NO_VALUE
    return format_kpi_number(kpi_value.value, kpi_value.kpi, currency)


# Changes and pace ------------------------------------------------------------------------------------------------


def kpi_change(report, against="previous", *, mature=True):
    """The change of a report against the previous period or last year, with an arrow, a word and whether it is
    good news for this KPI: {"change", "text" (the change as shown), "arrow", "verdict", "words", "label"}. An
    immature value (its leads still converting) gets no verdict: neither better nor worse, nor a colour."""
    change = report.change_previous if against == "previous" else report.change_last_year
    good = report.kpi.good
    if change is None:
        verdict, arrow = "none", "·"
    elif change == 0:
        verdict, arrow = "flat", "="
    else:
        arrow = "▲" if change > 0 else "▼"
        better = (change > 0) == (good == "up")
        verdict = "neutral" if good == "neutral" or not mature else ("good" if better else "bad")
    words = {"good": _("better"), "bad": _("worse"), "flat": _("stable"), "neutral": "", "none": ""}[verdict]
    label = _("vs previous period") if against == "previous" else _("vs last year")
    text = None if change is None else change_text(change, report.change_unit)
    return {"change": change, "text": text, "arrow": arrow, "verdict": verdict, "words": words, "label": label}


def change_text(change, unit=PERCENT):
    """A change as "+12,5 %", "-3,2 pts", "0,0 %": rounded half-up to one decimal, once, here, for every surface
    (tiles, the wall, e-mails, PDFs, chart images)."""
    sign = "+" if change > 0 else ""
    return f"{sign}{decimal_text(change, 1)}{NBSP}{unit}"


def change_words(change):
    """A kpi_change in words: "▲ +12,5 % better", "▼ -3,0 % worse", "· no comparison" without a change (as the
    board's tiles say it)."""
    if change["change"] is None:
        return f"{change['arrow']} {_('no comparison')}"
    words = f" {change['words']}" if change["words"] else ""
    return f"{change['arrow']} {change['text']}{words}"


def pace_label(pace):
    return {
        Pace.ON_TRACK: _("on track"),
        Pace.AT_RISK: _("at risk"),
        Pace.OFF_TRACK: _("off track"),
        Pace.NOT_STARTED: _("not started"),
    }.get(pace, pace)


def pace_symbol(pace):
    """A shape beside the pace's word and colour, so that it reads in black and white too."""
    return {Pace.ON_TRACK: "✔", Pace.AT_RISK: "⚠", Pace.OFF_TRACK: "✖"}.get(pace, "")


def objective_words(status, kpi, currency):
    """ "1 234 € of 2 000 € · 61,7 % · ⚠ at risk": an objective's status, read to date."""
    progress = NO_VALUE if status.progress is None else f"{decimal_text(status.progress, 1)}{NBSP}%"
    return _("%(actual)s of %(target)s · %(progress)s · %(symbol)s %(pace)s") % {
        "actual": format_kpi_number(status.actual, kpi, currency),
        "target": format_kpi_number(status.target, kpi, currency),
        "progress": progress, "symbol": pace_symbol(status.pace), "pace": pace_label(status.pace),
    }  # fmt: skip


# Periods ---------------------------------------------------------------------------------------------------------


def period_words(period):
    """ "5 – 11 janvier 2026", "26 janvier – 1 février 2026", "1 décembre 2025 – 28 février 2026", in the active
    language."""
    start, end = period.start, period.end
    if start == end:
        return date_format(start, "j F Y")
    if start.year != end.year:
        return f"{date_format(start, 'j F Y')} – {date_format(end, 'j F Y')}"
    if start.month != end.month:
        return f"{date_format(start, 'j F')} – {date_format(end, 'j F Y')}"
    return f"{date_format(start, 'j')} – {date_format(end, 'j F Y')}"


def period_name(period):
    """A period named as people say it, in the active language: "novembre 2026", "semaine 48 2026", "T4 2026",
    "exercice 2026/27"; a day or a custom range by its dates."""
    kind = PeriodKind(period.kind)
    if kind == PeriodKind.MONTH:
        return date_format(period.start, "F Y")
    if kind == PeriodKind.WEEK:
        year, week, _weekday = period.start.isocalendar()
        return _("week %(week)s %(year)s") % {"week": week, "year": year}
    if kind == PeriodKind.QUARTER:
        return _("Q%(quarter)s %(year)s") % {"quarter": (period.start.month - 1) // 3 + 1, "year": period.start.year}
    if kind == PeriodKind.FISCAL_YEAR:
        return _("fiscal year %(label)s") % {"label": period.label.removeprefix("FY")}
    return period_words(period)


def period_heading(period):
    """A page's period line: its name, with its dates where the name does not say them ("Semaine 48 2026 · 23 – 29
    novembre 2026"; "Novembre 2026" alone)."""
    name = period_name(period)
    if PeriodKind(period.kind) in (PeriodKind.WEEK, PeriodKind.QUARTER, PeriodKind.FISCAL_YEAR):
        name = f"{name} · {period_words(period)}"
    return name[:1].upper() + name[1:]


def comparison_words(board_range):
    """Which days a board counts and what it compares them with, in words: "1 – 4 décembre 2026 (to date),
    compared with 1 – 4 novembre 2026 and 1 – 4 décembre 2025"."""
    counted = period_words(board_range.current)
    if board_range.under_way:
        counted = _("%(days)s (to date)") % {"days": counted}
    return _("%(counted)s, compared with %(previous)s and %(last_year)s") % {
        "counted": counted, "previous": period_words(board_range.previous),
        "last_year": period_words(board_range.last_year)}  # fmt: skip
