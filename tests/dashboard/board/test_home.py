"""The home board: who lands where, what they may not open, the figures shown, the language, a query count that
does not grow with the network, and the freshness of its data."""

import re
from html import unescape

import pytest

from accounts.constants import Role
from ingestion.constants import SyncStatus
from ingestion.selectors import data_freshness
from ingestion.services import source_register
from tests.dashboard.conftest import this_months_facts
from tests.factories import FranchiseeFactory, RoleAssignmentFactory, UserFactory
from tests.helpers import NBSP, finished_run, log_in

pytestmark = pytest.mark.django_db


def tile_value(page, key):
    """The figure a tile shows, e.g. "3" for the leads tile."""
    match = re.search(rf'href="/kpi/{key}/\?[^"]*">[^<]*</a></h3>\s*<p class="tile-value">([^<]*)</p>', page)
    assert match, f"no {key} tile on the page"
    return unescape(match.group(1))


def ranking(page):
    """The table of the nodes below this one: {name: [sales revenue, leads, CPL, ROI] as shown}."""
    rows = re.findall(r'<th scope="row"><a href="\?node=[^"]*">([^<]*)</a></th>\s*((?:<td class="num">[^<]*</td>)+)',
                      page)  # fmt: skip
    return {name: [unescape(v) for v in re.findall(r'<td class="num">([^<]*)</td>', cells)] for name, cells in rows}


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == "/login/?next=/"


# Today's facts are this month's, whose board is asked for: during a month's first week the default is last month.
MONTH_TO_DATE = {"period": "month"}


def test_franchisor_sees_the_network_board_with_every_region(client, franchisor, facts):
    log_in(client, franchisor)

    page = client.get("/", MONTH_TO_DATE).content.decode()

    assert "<h1>Acme</h1>" in page
    assert tile_value(page, "leads") == "12"
    assert tile_value(page, "sales_revenue") == f"10{NBSP}000{NBSP}€"
    table = ranking(page)
    assert list(table) == ["Nord", "Sud"]
    assert (table["Nord"][:2], table["Sud"][:2]) == ([f"1{NBSP}000{NBSP}€", "5"], [f"9{NBSP}000{NBSP}€", "7"])


def test_executive_lands_on_the_network_board_too(client, executive, tree):
    log_in(client, executive)

    page = client.get("/").content.decode()

    assert "<h1>Acme</h1>" in page and list(ranking(page)) == ["Nord", "Sud"]


def test_region_manager_board_starts_at_their_region_and_hides_the_other(client, region_manager_nord, facts):
    log_in(client, region_manager_nord)

    page = client.get("/", MONTH_TO_DATE).content.decode()

    assert "<h1>Nord</h1>" in page
    assert list(ranking(page)) == ["Lille", "Roubaix"]
    assert tile_value(page, "leads") == "5"
    assert "Sud" not in page and "Nice" not in page and "9" + NBSP + "000" not in page


def test_region_manager_cannot_open_another_regions_board(client, region_manager_nord, tree):
    log_in(client, region_manager_nord)

    assert client.get("/?node=lille").status_code == 200
    assert client.get("/?node=sud").status_code == 404
    assert client.get("/?node=nice").status_code == 404
    assert client.get("/?node=acme").status_code == 404
    assert client.get("/?node=does-not-exist").status_code == 404


def test_franchisee_board_shows_their_own_figures_only(client, franchisee_user_lille, facts):
    log_in(client, franchisee_user_lille)

    response = client.get("/", MONTH_TO_DATE)

    page = response.content.decode()
    assert "<h1>Lille</h1>" in page
    assert (tile_value(page, "leads"), tile_value(page, "sales_revenue")) == ("3", f"850,00{NBSP}€")
    assert ranking(page) == {}
    # The same figures are what the selectors computed, not only what the template printed.
    leads = next(t for t in response.context["operational"] if t.kpi.key == "leads")
    assert leads.report.current.value == 3


def test_franchisee_cannot_open_their_region_or_another_franchisee(client, franchisee_user_lille, tree):
    log_in(client, franchisee_user_lille)

    for slug in ("nord", "acme", "roubaix", "nice"):
        assert client.get(f"/?node={slug}").status_code == 404, slug


def test_a_user_without_any_role_gets_the_no_access_page(client, tree):
    nobody = UserFactory()
    log_in(client, nobody)

    response = client.get("/")

    assert response.status_code == 403
    assert "dashboard/no_access.html" in [t.name for t in response.templates]
    assert "Pas encore de tableau de bord" in response.content.decode()


def test_healthz_answers_ok_without_login(client):
    response = client.get("/healthz/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


def test_the_interface_is_french_by_default_and_english_on_request(client, franchisor):
    log_in(client, franchisor)

    french = client.get("/").content.decode()
    assert '<html lang="fr">' in french
    assert "Déconnexion" in french and "Nouveaux clients" in french and "Objectifs business" in french
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert '<html lang="en">' in english
    assert "Log out" in english and "New customers" in english and "Business objectives" in english


# Measured: 17 queries for the network board and 19 for a region board (which lists the franchisees), the same with
# 3 franchisees as with 10. A query per franchisee would cost 7 more. The person's roles are read once per request;
# two queries are the questions' (the tiles' open-question badges, the top bar's unread notifications), one the
# network's conversion lag (which values are still maturing), one the node's first day with figures (sparklines
# start there).
HOME_QUERIES = 19


@pytest.mark.parametrize("franchisees", [3, 10])
@pytest.mark.parametrize("board", ["network", "region"])
def test_home_query_count_does_not_grow_with_the_network(client, network, region_nord, django_assert_max_num_queries,
                                                         board, franchisees):  # fmt: skip
    nodes = FranchiseeFactory.create_batch(franchisees, parent=region_nord)
    this_months_facts(network, {node: (n + 1, 100 * (n + 1)) for n, node in enumerate(nodes)})
    viewer = RoleAssignmentFactory(node=network if board == "network" else region_nord,
                                   role=Role.FRANCHISOR_ADMIN if board == "network" else Role.REGION_MANAGER).user
    log_in(client, viewer)

    with django_assert_max_num_queries(HOME_QUERIES):
        page = client.get("/", MONTH_TO_DATE).content.decode()

    assert tile_value(page, "leads") == str(franchisees * (franchisees + 1) // 2)
    if board == "region":
        assert len(ranking(page)) == franchisees


def test_the_board_shows_the_networks_chosen_tiles_objectives_first_and_kpis_grouped(client, franchisor, network,
                                                                                     facts):  # fmt: skip
    from kpis.services import board_layout_set

    board_layout_set(network=network, home_kpis=["cpl", "capture_rate", "sales_revenue", "leads", "cac"],
                     wall_kpis=[])  # fmt: skip
    log_in(client, franchisor)

    response = client.get("/")

    assert [t.kpi.key for t in response.context["business"]] == ["sales_revenue"]
    groups = [(group.value, [t.kpi.key for t in tiles]) for group, tiles in response.context["operational_groups"]]
    assert groups == [("acquisition", ["leads"]), ("chatbot", ["capture_rate"]), ("cost", ["cpl", "cac"])]
    page = response.content.decode()
    assert page.index('href="/kpi/sales_revenue/') < page.index('href="/kpi/leads/') < page.index('href="/kpi/cpl/')


# Freshness ------------------------------------------------------------------------------------------------------------
def test_freshness_says_when_data_was_synced_and_warns_in_words(client, franchisee_user_lille, franchisee_lille,
                                                                 drop_lille):  # fmt: skip
    finished_run(drop_lille, SyncStatus.SUCCEEDED, hours_ago=3)
    log_in(client, franchisee_user_lille)

    fresh = client.get("/", {"node": "lille"}).content.decode()
    assert '<p class="freshness" role="status">' in fresh and "3\xa0heures" in fresh  # "il y a 3 heures"

    finished_run(drop_lille, SyncStatus.FAILED, hours_ago=1, error="boom")
    warned = data_freshness(node=franchisee_lille)
    assert warned.last_run_failed and warned.failing_sources == ("Dépôt Lille",) and not warned.stale


def test_a_franchisee_never_sees_other_franchisees_failing_sources_on_the_board(client, franchisee_user_lille,
                                                                              franchisee_nice):  # fmt: skip
    other = source_register(slug="drop-nice", kind="csv", node=franchisee_nice, config={"folder": "/srv/n"},
                            name="Secret Nice feed")[0]  # fmt: skip
    finished_run(other, SyncStatus.FAILED, hours_ago=1, error="boom")
    log_in(client, franchisee_user_lille)

    assert "Secret Nice feed" not in client.get("/").content.decode()
