"""Words of reports, for the e-mail templates: thin template wrappers over dashboard.formatting."""

from django import template

from .. import formatting

register = template.Library()
register.filter("period_words", formatting.period_words)
register.filter("period_name", formatting.period_name)
register.filter("period_heading", formatting.period_heading)
register.filter("change_words", formatting.change_words)
register.filter("comparison_words", formatting.comparison_words)


@register.filter
def objective_words(line, currency):
    """ "1 234 € of 2 000 € · 61,7 % · ⚠ at risk": a report line's objective, read to date."""
    return formatting.objective_words(line.objective, line.kpi, currency)
