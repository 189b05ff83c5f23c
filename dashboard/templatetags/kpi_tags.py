"""Showing KPI values: units, currency, missing values and the direction of a change in words, not only colour."""

from decimal import Decimal
from urllib.parse import urlencode

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kpis.engine import Pace

register = template.Library()

NO_VALUE = "—"


@register.filter
def kpi_display(kpi_value, currency="EUR"):
    """A KpiValue as a person reads it: "1 234 €", "12,5 %", "—" when there is no value."""
    if kpi_value is None:
        return NO_VALUE
    return format_kpi_number(kpi_value.value, kpi_value.kpi, currency)


@register.simple_tag
def kpi_number(value, kpi, currency="EUR"):
    """A bare number (a median, a target) in `kpi`'s unit."""
    return format_kpi_number(value, kpi, currency)


@register.filter
def money(value, currency="EUR"):
    """An amount of money: "1 234 €" from a thousand up, "12,50 €" below; "—" when unknown."""
    if value is None:
        return NO_VALUE
    places = 0 if abs(value) >= 1000 else 2
    return f"{number_format(value, places, force_grouping=True)} {currency_symbol(currency)}"


@register.filter
def duration(seconds):
    """Seconds as people read them: "4 min 05 s", "45 s"; "—" when unknown."""
    if seconds is None:
        return NO_VALUE
    minutes, rest = divmod(int(Decimal(seconds)), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def format_kpi_number(value, kpi, currency):
    if value is None:
        return NO_VALUE
    unit = kpi.unit
    if unit == "count":
        # Targets are stored with four decimals; a count target of 2449.0000 reads "2 449".
        return intcomma(int(value) if Decimal(value) == int(value) else value)
    if unit == "money":
        return money(value, currency)
    if unit == "%":
        return f"{number_format(value, 1, force_grouping=True)} %"
    if unit == "seconds":
        return duration(value)
    return number_format(value, 2, force_grouping=True)


def currency_symbol(code):
    return {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "CAD": "$ CA"}.get(code, code)


@register.inclusion_tag("dashboard/_change.html")
def kpi_change(report, against="previous"):
    """The change of a report against the previous period or last year, with an arrow, a word and whether it is
    good news for this KPI (colour is never the only signal)."""
    change = report.change_previous if against == "previous" else report.change_last_year
    good = report.kpi.good
    if change is None:
        verdict, arrow = "none", "·"
    elif change == 0:
        verdict, arrow = "flat", "="
    else:
        arrow = "▲" if change > 0 else "▼"
        better = (change > 0) == (good == "up")
        verdict = "neutral" if good == "neutral" else ("good" if better else "bad")
    words = {"good": _("better"), "bad": _("worse"), "flat": _("stable"), "neutral": "", "none": ""}[verdict]
    label = _("vs previous period") if against == "previous" else _("vs last year")
    return {"change": change, "arrow": arrow, "verdict": verdict, "words": words, "label": label}


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def urlencode_dict(params):
    return urlencode(params)


@register.filter
def clamp_percent(value):
    """A progress bar's width: 0 to 100."""
    if value is None:
        return 0
    return max(0, min(100, int(value)))


@register.filter
def pace_label(pace):
    return {
        Pace.ON_TRACK: _("on track"),
        Pace.AT_RISK: _("at risk"),
        Pace.OFF_TRACK: _("off track"),
        Pace.NOT_STARTED: _("not started"),
    }.get(pace, pace)


@register.filter
def pace_symbol(pace):
    """A shape beside the pace's word and colour, so that it reads in black and white too."""
    return {Pace.ON_TRACK: "✔", Pace.AT_RISK: "⚠", Pace.OFF_TRACK: "✖"}.get(pace, "")


@register.simple_tag
def versus_median(tile, spread):
    """ "better" / "worse" / "in line" than the network median, in words (and an arrow), for this KPI's direction."""
    value, median = tile.report.current.value, spread.median
    if value is None or median is None or tile.kpi.good == "neutral":
        return "—"
    if value == median:
        return _("in line")
    better = (value > median) == (tile.kpi.good == "up")
    return f"▲ {_('better')}" if better else f"▼ {_('worse')}"
