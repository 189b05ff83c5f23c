"""Text from data in a Plotly figure is shown, never rendered: plotly.js reads axis categories, trace names, titles
and annotations as a subset of HTML (links included), so a campaign or a node named with HTML must reach it with
`&`, `<` and `>` escaped (the entities it decodes), and nothing else changed (it shows "&quot;" as typed)."""

import json
import re
from datetime import date
from html import unescape

import pytest
from django.utils import timezone

from dashboard.board import charts
from tests.factories import campaigns_with_leads
from tests.helpers import log_in

LINK = '<a href="https://evil.example">x</a>'
QUOTED = 'Say "hi" & <b>bye</b>'


def shown(text):
    """`text` as a figure must carry it for plotly.js to show it as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def strings(value):
    """Every string in a figure (keys aside), wherever it sits."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


FIGURES = {
    "ranking": lambda: charts.ranking_bars([LINK, QUOTED], [3, 2], title=LINK),
    "wall ranking": lambda: charts.ranking_bars([LINK, QUOTED], [3, 2], theme="dark"),
    "funnel": lambda: charts.funnel([(LINK, 10), (QUOTED, 5)]),
    "trend": lambda: charts.outcome_and_driver([LINK, QUOTED], LINK, [1, 2], QUOTED, [3, 4],
                                               annotations=[(LINK, QUOTED)]),  # fmt: skip
    "trend to date": lambda: charts.outcome_and_driver([QUOTED, LINK], LINK, [1, 2], QUOTED, [3, 4],
                                                       annotations=[(LINK, QUOTED)], partial=True),  # fmt: skip
    "sparkline": lambda: charts.sparkline([LINK, QUOTED], [1, 2]),
    "sparkline to date": lambda: charts.sparkline([QUOTED, LINK], [1, 2], partial=True),
    "heat map": lambda: charts.hour_weekday_heatmap({}, weekday_names=[LINK, QUOTED, "W", "T", "F", "S", "S"]),
}


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_shows_text_from_data_as_text(name):
    figure = FIGURES[name]()

    texts = list(strings(figure))
    assert not [text for text in texts if "<a" in text or "<b>" in text], texts  # no tag of the data's
    assert any(shown(LINK) in text for text in texts) and any(shown(QUOTED) in text for text in texts), texts
    assert not [text for text in texts if "&quot;" in text], texts  # a quote stays a quote


@pytest.mark.parametrize("name", ["trend", "trend to date"])
def test_a_note_stays_on_the_period_it_marks(name):
    """Notes are placed by their period's label: escaped like the axis's own labels, or they would float off it."""
    figure = FIGURES[name]()

    (note,) = figure["layout"]["annotations"]
    assert note["x"] in figure["data"][0]["x"] and note["x"] == figure["layout"]["shapes"][0]["x0"]
    assert note["text"] == shown(QUOTED)


@pytest.mark.django_db
def test_a_campaign_named_with_a_link_is_shown_as_text_in_the_kpi_pages_charts(client, network, franchisee_lille,
                                                                               franchisee_user_lille, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 4, 2))
    campaigns_with_leads(network=network, node=franchisee_lille, names=[LINK, "Search Lille"])
    log_in(client, franchisee_user_lille)

    page = client.get("/kpi/leads/", {"node": "lille", "period": "custom", "start": "2026-03-01",
                                      "end": "2026-03-31"}).content.decode()  # fmt: skip

    figures = [json.loads(unescape(value)) for value in re.findall(r'data-figure="([^"]*)"', page)]
    texts = [text for figure in figures for text in strings(figure)]
    assert shown(LINK) in texts  # the campaign's bar, labelled with its name as typed
    assert not [text for text in texts if "<a" in text], texts
