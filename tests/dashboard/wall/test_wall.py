"""The wall screen: a link's playlist of slides, what each slide holds, its scope, its reload time and its cost."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboard.wall.playlists import display_link_create, playlist_parse
from ingestion.constants import SyncStatus
from ingestion.models import SyncRun
from kpis.models import Sale
from kpis.rollups import rollups_refresh
from kpis.services import board_layout_set, node_move
from tests.helpers import finished_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def mid_month(monkeypatch):
    """A wall opens on the month to date from its 8th day (on last month, whole, before): these tests read today's
    facts on a day past that, whatever the real date."""
    day = date(2026, 3, 20)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
    return day


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


def test_a_wall_link_shows_its_own_subtree_only(client, region_nord, franchisee_nice, tree):
    today = timezone.localdate(timezone=region_nord.zone)
    Sale.objects.create(node=franchisee_nice, date=today, revenue=987654)
    rollups_refresh(network=region_nord.parent)
    _, token = display_link_create(node=region_nord, days=1)

    page = client.get(f"/wall/{token}/").content.decode()

    assert "987" not in page and "Nice" not in page


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

    node_move(node=franchisee_roubaix, parent=region_sud)

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


def test_the_wall_says_when_data_was_synced_and_warns_when_the_night_failed(client, region_nord, drop_lille,
                                                                           tree):  # fmt: skip
    _link, token = display_link_create(node=region_nord)

    finished_run(drop_lille, SyncStatus.SUCCEEDED, hours_ago=5)
    calm = client.get(f"/wall/{token}/").content.decode()
    finished_run(drop_lille, SyncStatus.FAILED, hours_ago=1, error="boom")
    failed = client.get(f"/wall/{token}/").content.decode()
    SyncRun.objects.all().update(finished_at=timezone.now() - timedelta(hours=30))
    stale = client.get(f"/wall/{token}/").content.decode()

    assert "données synchronisées il y a 5\xa0heures" in calm and 'class="wall-banner" role="alert">' not in calm
    assert "La dernière synchronisation de la nuit a échoué (Dépôt Lille)" in failed
    assert "Aucune donnée reçue depuis plus de 26 heures" in stale
