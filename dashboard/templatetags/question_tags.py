"""Showing questions: message text escaped and lightly formatted, KPI names from their keys."""

from django import template

from kpis.catalog import CATALOG

from ..questions.formatting import message_html

register = template.Library()


@register.simple_tag
def formatted(text, message):
    """`text` (a part of `message`) as safe HTML, its recorded mentions shown as mentions."""
    return message_html(text, mentions=message.mentions.all())


@register.filter
def kpi_name(key):
    kpi = CATALOG.get(key)
    return kpi.name if kpi else key
