"""Words of reports, for the e-mail templates, the PDF and the chart images alike: a change and an objective's
progress as one short phrase, in the active language."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ..reports import period_heading, period_name, period_words
from .kpi_tags import NO_VALUE, format_kpi_number, pace_label, pace_symbol

register = template.Library()
register.filter("period_words", period_words)
register.filter("period_name", period_name)
register.filter("period_heading", period_heading)


@register.filter
def change_words(change):
    """A kpi_change dict in words: "▲ +12,5 % better", "▼ -3,0 % worse", "—" without a change."""
    if change["change"] is None:
        return NO_VALUE
    sign = "+" if change["change"] > 0 else ""
    words = f" {change['words']}" if change["words"] else ""
    return f"{change['arrow']} {sign}{number_format(change['change'], 1, force_grouping=True)} %{words}"


@register.filter
def objective_words(line, currency):
    """ "1 234 € of 2 000 € · 61,7 % · ⚠ at risk": a report line's objective, read to date."""
    status = line.objective
    progress = NO_VALUE if status.progress is None else f"{number_format(status.progress, 1, force_grouping=True)} %"
    return _("%(actual)s of %(target)s · %(progress)s · %(symbol)s %(pace)s") % {
        "actual": format_kpi_number(status.actual, line.kpi, currency),
        "target": format_kpi_number(status.target, line.kpi, currency),
        "progress": progress, "symbol": pace_symbol(status.pace), "pace": pace_label(status.pace),
    }  # fmt: skip
