"""A chart starts where a node's figures do: the months before its first figure have no value, not 0 (a network
that did not exist yet did not sell nothing), on the page's charts as in the board's series."""

import json

import pytest

from accounts.models import Node, in_subtree
from kpis.boards import board_read
from kpis.models import Campaign
from kpis.periods import PeriodKind, period_containing
from tests.dashboard.board.conftest import DAYS, TODAY
from tests.helpers import log_in

pytestmark = pytest.mark.django_db


def months_back(count):
    months = [period_containing(PeriodKind.MONTH, TODAY)]
    for _ in range(count - 1):
        months.append(months[-1].previous())
    return months[::-1]


@pytest.mark.parametrize("slug", ["acme", "lille"])
def test_months_before_the_first_figure_have_no_value_and_the_others_keep_theirs(world, today, executive, slug):
    node = Node.objects.get(slug=slug)
    # The node's first figure: its campaigns' budgets run from their start, its sales and leads from DAYS[0].
    first = min([DAYS[0], *Campaign.objects.filter(in_subtree(node)).values_list("start_date", flat=True)])
    months = months_back(16)  # December 2024 to March 2026
    board = board_read(user=executive, node=node, keys=["sales_revenue", "budget_used"], period=months[-1],
                       today=today, series_periods=months)  # fmt: skip

    for tile in board.tiles:
        before = [v.value for v, month in zip(tile.series, months, strict=True) if month.end < first]
        after = [v.value for v, month in zip(tile.series, months, strict=True) if month.end >= first]
        assert before and set(before) == {None}, tile.kpi.key
        assert None not in after, tile.kpi.key  # a month without sales once figures have started is a real 0


def test_the_kpi_chart_of_a_young_network_starts_with_its_figures(client, world, today, executive):
    log_in(client, executive)
    first = Campaign.objects.order_by("start_date").first().start_date

    page = client.get("/kpi/sales_revenue/", {"node": "acme", "period": "quarter", "at": "2025-04-01"})

    figure = json.loads(page.context["trend"])
    revenue = figure["data"][0]["y"]
    quarters = page.context["series_periods"]
    assert len(revenue) == len(quarters)
    for value, quarter in zip(revenue, quarters, strict=True):
        assert (value is None) == (quarter.end < first), (quarter, value)
