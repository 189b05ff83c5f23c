"""Subtree totals and the board selector: the same figures as the engine over daily rollups, a cache emptied by
every rollup refresh, and cached figures that never reach someone who may not open the node."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum

from accounts.constants import NodeKind, Role
from accounts.models import Node
from kpis.boards import board_read
from kpis.catalog import BASE_MEASURES
from kpis.engine import comparable_periods, kpi_breakdown, kpi_reports, kpi_series
from kpis.models import DailyRollup, Objective, SubtreeRollup
from kpis.periods import PeriodKind, period_containing, series
from kpis.rollups import rollups_refresh
from kpis.selectors import rollup_rows
from kpis.services import node_place
from tests.factories import CampaignFactory, ConversationFactory, DailyMetricFactory, LeadFactory, SaleFactory
from tests.helpers import person

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 12)
KEYS = ["sales_revenue", "new_customers", "customer_growth", "roi", "leads", "cpl", "budget_used", "capture_rate"]
CHILD_KEYS = ["sales_revenue", "leads", "cpl", "roi"]


def at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def facts(network, region_nord, franchisee_lille, franchisee_roubaix, franchisee_nice):
    """Facts on every level over fourteen months: franchisee campaigns and a network-wide one with a budget."""
    shared = CampaignFactory(node=network, start_date=date(2025, 1, 1), end_date=date(2026, 12, 31),
                             budget=Decimal("7300.00"))  # fmt: skip
    for n, node in enumerate([franchisee_lille, franchisee_roubaix, franchisee_nice], start=1):
        own = CampaignFactory(node=node)
        for day in (date(2025, 3, 3), date(2026, 1, 20), date(2026, 3, 2), date(2026, 3, 11), date(2026, 3, 20)):
            DailyMetricFactory(campaign=own, date=day, spend=Decimal(10 * n))
            DailyMetricFactory(campaign=shared, date=day + timedelta(days=n), spend=Decimal(3))
            lead = LeadFactory(node=node, created_at=at(day), campaign=own, customer=True, revenue=Decimal(40 * n))
            LeadFactory(node=node, created_at=at(day, 21), campaign=shared, score=80)
            ConversationFactory(node=node, started_at=at(day), captured_contact=True, lead=lead)
            SaleFactory(node=node, date=day, revenue=Decimal(100 * n), new_customers=n)
    rollups_refresh(network=network)


def board_of(user, node):
    return board_read(user=user, node=node, keys=KEYS, child_keys=CHILD_KEYS, period=period_containing("month", TODAY),
                      today=TODAY, series_periods=series(PeriodKind.MONTH, TODAY, 13))  # fmt: skip


def figures(data):
    tiles = {t.kpi.key: (t.report.current.value, t.report.previous.value, t.report.last_year.value,
                         [v.value for v in t.series]) for t in data.tiles}  # fmt: skip
    return tiles, [(child.slug, {k: v.value for k, v in values.items()}) for child, values in data.children]


def test_subtree_totals_hold_the_sum_of_every_daily_rollup_under_each_node(facts, network):
    for node in Node.objects.filter(path__startswith=network.path):
        daily = (DailyRollup.objects.filter(node_path__startswith=node.path).values("day")
                 .annotate(**{m: Sum(m) for m in BASE_MEASURES}).order_by("day"))  # fmt: skip
        subtree = SubtreeRollup.objects.filter(node=node).order_by("day").values("day", *BASE_MEASURES)
        assert [{k: Decimal(v or 0) if k != "day" else v for k, v in row.items()} for row in daily] == [
            {k: Decimal(v) if k != "day" else v for k, v in row.items()} for row in subtree
        ]
        assert subtree.exists()


def test_the_board_shows_what_the_engine_computes_from_daily_rollups(facts, executive, network):
    data = board_of(executive, network)

    rows = rollup_rows(user=executive)
    period = period_containing("month", TODAY)
    reports = kpi_reports(rows=rows, node=network, keys=KEYS, period=period, today=TODAY)
    series_values = kpi_series(rows=rows, node=network, keys=KEYS, periods=series(PeriodKind.MONTH, TODAY, 13))
    children = list(Node.objects.filter(parent=network).order_by("name"))
    so_far = comparable_periods(period, TODAY)[0]  # the ranking counts the same days as the tiles
    ranked = kpi_breakdown(rows=rows, node=network, keys=CHILD_KEYS, period=so_far, by="child", children=children)
    expected = ({key: (r.current.value, r.previous.value, r.last_year.value, [v.value for v in series_values[key]])
                 for key, r in reports.items()},
                [(child.slug, {k: v.value for k, v in values.items()}) for child, values in ranked])  # fmt: skip
    assert figures(data) == expected
    assert expected[0]["sales_revenue"][0] == 1200 and expected[0]["leads"][0] == 12  # 2 days so far in March
    assert dict(expected[1])["nord"]["sales_revenue"] == 600  # 2 and 11 March so far, not 20 March


def test_the_cached_board_is_replaced_after_a_rollup_refresh(facts, executive, network, franchisee_lille):
    before = figures(board_of(executive, network))[0]["sales_revenue"][0]

    SaleFactory(node=franchisee_lille, date=date(2026, 3, 5), revenue=Decimal("1000.00"))
    assert figures(board_of(executive, network))[0]["sales_revenue"][0] == before  # cached until the refresh
    rollups_refresh(network=network, days={date(2026, 3, 5)})

    assert figures(board_of(executive, network))[0]["sales_revenue"][0] == before + 1000


def test_an_objective_set_after_the_board_was_cached_shows_at_once(facts, executive, network):
    board_of(executive, network)
    month = period_containing("month", TODAY)
    Objective.objects.create(kpi="leads", node=network, period_kind="month", start=month.start, end=month.end,
                             target=Decimal(30))  # fmt: skip

    tiles = {t.kpi.key: t for t in board_of(executive, network).tiles}
    assert tiles["leads"].objective.target == 30


def test_a_franchisee_and_the_network_never_share_cached_figures(facts, executive, network, franchisee_lille):
    lille_user = person("lille@acme.example", Role.FRANCHISEE, franchisee_lille)
    network_figures = figures(board_of(executive, network))  # cached first
    lille_figures = figures(board_of(lille_user, franchisee_lille))

    assert lille_figures[0]["sales_revenue"][0] == 200 and network_figures[0]["sales_revenue"][0] == 1200
    assert lille_figures[1] == []  # a franchisee has no nodes below


def test_people_who_may_open_a_node_share_its_cached_figures(facts, executive, region_nord, region_manager_nord):
    by_executive = figures(board_of(executive, region_nord))

    assert figures(board_of(region_manager_nord, region_nord)) == by_executive
    assert [slug for slug, _ in by_executive[1]] == ["lille", "roubaix"]


def test_cached_figures_never_reach_someone_who_may_not_open_the_node(facts, executive, network, region_manager_nord,
                                                                      franchisee_nice):  # fmt: skip
    board_of(executive, franchisee_nice)  # Nice's figures are in the cache now

    with pytest.raises(Node.DoesNotExist):
        board_of(region_manager_nord, franchisee_nice)
    with pytest.raises(Node.DoesNotExist):
        board_of(region_manager_nord, network)


def test_after_a_move_both_regions_totals_follow_the_franchisee(facts, executive, network, region_nord, region_sud):
    nord_before = figures(board_of(executive, region_nord))[0]["sales_revenue"][0]

    node_place(slug="nice", name="Nice", kind=NodeKind.FRANCHISEE, parent=region_nord)

    assert figures(board_of(executive, region_nord))[0]["sales_revenue"][0] == nord_before + 600
    assert figures(board_of(executive, region_sud))[0]["sales_revenue"][0] == 0
    assert figures(board_of(executive, network))[0]["sales_revenue"][0] == 1200
