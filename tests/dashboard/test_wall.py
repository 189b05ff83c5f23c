"""The wall screen: a link's playlist of slides, what each slide holds, its scope, its reload time and its cost."""

import re
from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.constants import NodeKind
from accounts.services import display_link_create, node_upsert, playlist_parse
from kpis.rollups import rollups_refresh
from kpis.services import board_layout_set

from ..factories import LeadFactory, SaleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def facts(network, franchisee_lille, franchisee_roubaix, franchisee_nice):
    today = timezone.localdate(timezone=network.zone)
    morning = datetime.combine(today, datetime.min.time(), tzinfo=network.zone).replace(hour=9)
    for node, leads, revenue in ((franchisee_lille, 3, "850"), (franchisee_roubaix, 2, "150"),
                                 (franchisee_nice, 7, "9000")):  # fmt: skip
        LeadFactory.create_batch(leads, node=node, created_at=morning)
        SaleFactory(node=node, date=today, revenue=Decimal(revenue))
    rollups_refresh(network=network)


def slides_of(client, token):
    response = client.get(f"/wall/{token}/")
    assert response.status_code == 200
    return response, response.context["slides"]


def test_a_region_screen_rotates_through_its_default_boards(client, region_nord, facts):
    _link, token = display_link_create(node=region_nord)

    response, slides = slides_of(client, token)

    assert [s.board for s in slides] == ["objectives", "operations", "ranking", "kpi"]
    objectives = {t.kpi.key: t.report.current.value for t in slides[0].tiles}
    assert objectives["sales_revenue"] == Decimal("1000.00")  # Lille and Roubaix, not Nice
    assert [(child.name, values[1].value) for child, values in slides[2].ranking] == [("Lille", 3), ("Roubaix", 2)]
    assert slides[3].tile.kpi.key == "sales_revenue" and '"Leads"' in slides[3].figure
    page = response.content.decode()
    assert len(re.findall(r'<section class="slide [^>]*data-seconds', page)) == 4
    assert len(re.findall(r'<section class="slide [^>]* hidden>', page)) == 3  # the first one shows at once
    assert "Nice" not in page and "9 000" not in page


def test_a_franchisee_screen_has_no_ranking_slide(client, franchisee_lille, facts):
    _link, token = display_link_create(node=franchisee_lille)

    _response, slides = slides_of(client, token)

    assert [s.board for s in slides] == ["objectives", "operations", "kpi"]


def test_a_chosen_playlist_shows_nodes_below_and_skips_one_that_moved_away(client, network, region_nord, region_sud,
                                                                           franchisee_roubaix, facts):  # fmt: skip
    _link, token = display_link_create(node=region_nord,
                                       playlist=playlist_parse("kpi.leads@roubaix:15, ranking:20, objectives@lille:10"))
    _response, slides = slides_of(client, token)
    assert [(s.board, s.node.slug, s.seconds) for s in slides] == [("kpi", "roubaix", 15), ("ranking", "nord", 20),
                                                                   ("objectives", "lille", 10)]  # fmt: skip

    node_upsert(slug="roubaix", name="Roubaix", kind=NodeKind.FRANCHISEE, parent=region_sud)

    _response, slides = slides_of(client, token)
    assert [s.board for s in slides] == ["ranking", "objectives"]
    assert [child.slug for child, _values in slides[0].ranking] == ["lille"]


def test_the_wall_follows_the_networks_chosen_kpis(client, network, region_nord, facts):
    board_layout_set(network=network, home_kpis=[], wall_kpis=["roi", "sales_revenue", "cpl"])
    _link, token = display_link_create(node=region_nord, playlist=playlist_parse("objectives:30, operations:30"))

    _response, slides = slides_of(client, token)

    assert [[t.kpi.key for t in s.tiles] for s in slides] == [["roi", "sales_revenue"], ["cpl"]]


def test_the_screen_reloads_at_its_links_pace_or_the_default(client, region_nord, tree, settings):
    settings.WALL_REFRESH_SECONDS = 300
    _link, own = display_link_create(node=region_nord, refresh_seconds=60)
    _link, default = display_link_create(node=region_nord)

    assert 'data-refresh-seconds="60"' in client.get(f"/wall/{own}/").content.decode()
    assert 'data-refresh-seconds="300"' in client.get(f"/wall/{default}/").content.decode()


@pytest.mark.parametrize("node", ["network", "region_nord"])
def test_the_wall_costs_a_bounded_number_of_queries(client, request, facts, django_assert_max_num_queries, node):
    _link, token = display_link_create(node=request.getfixturevalue(node))

    with django_assert_max_num_queries(30):
        assert client.get(f"/wall/{token}/").status_code == 200


def test_the_wall_says_when_data_was_synced_and_warns_when_the_night_failed(client, region_nord, franchisee_lille,
                                                                           tree):  # fmt: skip
    from datetime import timedelta

    from ingestion.constants import SyncStatus, SyncTrigger
    from ingestion.models import SyncRun
    from ingestion.services import source_register

    source = source_register(slug="drop-lille", kind="csv", node=franchisee_lille, config={"folder": "/srv/drop"},
                             name="Dépôt Lille")[0]  # fmt: skip
    _link, token = display_link_create(node=region_nord)

    def night(status, hours_ago):
        at = timezone.now() - timedelta(hours=hours_ago)
        SyncRun.objects.create(source=source, trigger=SyncTrigger.SCHEDULE, status=status, queued_at=at,
                               started_at=at, finished_at=at, error="" if status == SyncStatus.SUCCEEDED else "boom")

    night(SyncStatus.SUCCEEDED, hours_ago=5)
    calm = client.get(f"/wall/{token}/").content.decode()
    night(SyncStatus.FAILED, hours_ago=1)
    failed = client.get(f"/wall/{token}/").content.decode()
    SyncRun.objects.all().update(finished_at=timezone.now() - timedelta(hours=30))
    stale = client.get(f"/wall/{token}/").content.decode()

    assert "données synchronisées il y a 5\xa0heures" in calm and 'class="wall-banner" role="alert">' not in calm
    assert "La dernière synchronisation de la nuit a échoué (Dépôt Lille)" in failed
    assert "Aucune donnée reçue depuis plus de 26 heures" in stale
