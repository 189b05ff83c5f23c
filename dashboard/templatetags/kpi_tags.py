"""Showing KPI values on pages: thin template wrappers over dashboard.formatting."""

from urllib.parse import urlencode

from django import template
from django.utils.translation import gettext as _

from .. import formatting

register = template.Library()

register.filter("money", formatting.money)
register.filter("duration", formatting.duration)
register.filter("kpi_display", formatting.kpi_value_text)
register.filter("pace_label", formatting.pace_label)
register.filter("pace_symbol", formatting.pace_symbol)


@register.simple_tag
def kpi_number(value, kpi, currency="EUR"):
    """A bare number (a median, a target) in `kpi`'s unit."""
    return formatting.format_kpi_number(value, kpi, currency)


@register.inclusion_tag("dashboard/_change.html")
def kpi_change(tile, against="previous"):
    """The change of a tile against the previous period or last year, with an arrow and a word (none while the
    tile's value is immature)."""
    return formatting.kpi_change(tile.report, against, mature=tile.mature)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def urlencode_dict(params):
    return urlencode(params)


@register.filter
def with_node(params, slug):
    """The page's query string for another node: the same range, so a drill-down keeps what was being read."""
    return urlencode({**params, "node": slug})


@register.filter
def with_period(params, period):
    """The page's query string for another period (a kpis Period) of the same node: its kind and its first day, or
    its dates for a custom range."""
    if period.kind == "custom":
        return urlencode({"node": params["node"], "period": "custom", "start": period.start, "end": period.end})
    return urlencode({"node": params["node"], "period": period.kind.value, "at": period.start})


@register.filter
def clamp_percent(value):
    """A progress bar's width: 0 to 100."""
    if value is None:
        return 0
    return max(0, min(100, int(value)))


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
