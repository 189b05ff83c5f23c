"""On the demo, the pages of the board: a KPI page with its series, ranking, breakdowns and heat map, the leads list
and its CSV, the period picker, objectives with their pace on the tiles, a franchisee's budget page against the
network's median; another region's or franchisee's pages are 404."""

import pytest
from django.utils import timezone

from dashboard.demo import demo_build
from tests.helpers import csv_rows, demo_log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    demo_build(seed=5, today=timezone.localdate(), months=2)


def test_kpi_page_shows_series_ranking_breakdowns_and_heat_map(client, demo, django_assert_max_num_queries):
    demo_log_in(client, "marketing")

    with django_assert_max_num_queries(30):  # 28: about ten of them the questions, notes and who to ask
        response = client.get("/kpi/leads/", {"node": "sud", "period": "month"})

    page = response.content.decode()
    assert response.status_code == 200
    titles = [b["title"] for b in response.context["breakdowns"]]
    assert len(titles) >= 5  # nodes below, channel, campaigns, source / medium, segment, score band
    assert "Marseille" in page and "data-figure" in page
    assert response.context["partner"].key == "new_customers"


def test_kpi_page_of_another_region_or_an_unknown_kpi_is_404(client, demo):
    demo_log_in(client, "region.sud")

    assert client.get("/kpi/leads/", {"node": "nord-est"}).status_code == 404
    assert client.get("/kpi/leads/", {"node": "lille"}).status_code == 404
    assert client.get("/kpi/not-a-kpi/", {"node": "sud"}).status_code == 404
    assert client.get("/kpi/leads/", {"node": "marseille"}).status_code == 200


def test_leads_list_is_paginated_filtered_and_exported_in_csv(client, demo):
    demo_log_in(client, "marseille")

    page = client.get("/leads/", {"node": "marseille", "period": "month"})
    exported = client.get("/leads/", {"node": "marseille", "period": "month", "format": "csv"})

    assert page.status_code == 200 and page.context["page"].paginator.count > 0
    rows = csv_rows(exported)
    assert len(rows) == page.context["page"].paginator.count
    assert {row["node"] for row in rows} == {"marseille"}
    first = rows[0]["external_id"]
    searched = client.get("/leads/", {"node": "marseille", "period": "month", "q": first})
    assert searched.context["page"].paginator.count == 1


def test_a_franchisee_cannot_list_or_export_another_franchisees_leads(client, demo):
    demo_log_in(client, "marseille")

    assert client.get("/leads/", {"node": "lille", "format": "csv"}).status_code == 404
    assert client.get("/leads/", {"node": "sud"}).status_code == 404


def test_period_picker_changes_the_board_period(client, demo):
    demo_log_in(client, "direction")

    quarter = client.get("/", {"period": "quarter"})
    custom = client.get("/", {"period": "custom", "start": "2026-01-01", "end": "2026-01-31"})
    broken = client.get("/", {"period": "custom", "start": "2026-02-01", "end": "2026-01-01"})

    assert quarter.context["period"].kind == "quarter" and len(quarter.context["series_periods"]) == 8
    assert (str(custom.context["period"].start), str(custom.context["period"].end)) == ("2026-01-01", "2026-01-31")
    # An impossible range is refused and says why, rather than quietly showing another period.
    assert broken.status_code == 400 and "2026-01-01" in broken.content.decode()


def test_board_tiles_show_objectives_with_pace(client, demo):
    from accounts.models import Node
    from kpis.periods import PeriodKind, period_containing
    from kpis.services import objective_set

    month = period_containing(PeriodKind.MONTH, timezone.localdate())
    for key, target in (("leads", 10), ("cpl", 1000)):
        objective_set(kpi=key, node=Node.objects.get(slug="linguaviva"), period=month, target=target)
    demo_log_in(client, "direction")

    response = client.get("/", {"period": "month"})

    with_objective = [t for t in response.context["business"] + response.context["operational"] if t.objective]
    assert {t.kpi.key: t.objective.pace for t in with_objective} == {"leads": "on_track", "cpl": "on_track"}
    assert 'role="progressbar"' in response.content.decode()


def test_franchisee_budget_page_compares_with_the_network_median_without_naming_peers(client, demo):
    from kpis.periods import PeriodKind, period_containing

    demo_log_in(client, "marseille")
    # Last month, whole: early in a month, a small franchisee may have no lead yet, and so no cost per lead.
    last_month = period_containing(PeriodKind.MONTH, timezone.localdate()).previous()

    response = client.get("/budget/", {"node": "marseille", "period": "custom", "start": last_month.start.isoformat(),
                                       "end": last_month.end.isoformat()})  # fmt: skip

    page = response.content.decode()
    assert response.status_code == 200
    lines = {tile.kpi.key: spread for tile, spread in response.context["lines"]}
    assert lines["cpl"].peers == 24 and lines["cpl"].median is not None
    cpl = next(tile for tile, _spread in response.context["lines"] if tile.kpi.key == "cpl")
    assert cpl.report.current.value > lines["cpl"].q3  # the demo's story: Marseille pays far more per lead
    for peer in ("Lille", "Toulouse", "Nice", "Sud", "Linguaviva"):
        assert peer not in page
    assert client.get("/budget/", {"node": "lille"}).status_code == 404
