from datetime import datetime

import pytest
from django.utils import timezone

from accounts.constants import NodeKind
from accounts.models import User
from accounts.services import node_upsert
from kpis.models import Lead, Sale
from kpis.rollups import rollups_refresh

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, user):
    assert client.login(username=user.email, password=PASSWORD)


def this_months_facts(network, nodes):
    today = timezone.localdate(timezone=network.zone)
    moment = datetime.combine(today, datetime.min.time(), tzinfo=network.zone).replace(hour=10)
    for n, node in enumerate(nodes):
        for i in range(n + 1):
            Lead.objects.create(external_id=f"{node.slug}-{i}", created_at=moment, day=today, node=node)
        Sale.objects.create(node=node, date=today, orders=1, revenue=1000 * (n + 1))
    rollups_refresh(network=network)


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302 and response.url.startswith("/login/")


def test_franchisor_sees_the_network_board_with_every_region(client, franchisor, network):
    log_in(client, franchisor)

    page = client.get("/").content.decode()

    assert "<h1>Acme</h1>" in page
    assert ">Nord</a>" in page and ">Sud</a>" in page


def test_region_manager_board_starts_at_their_region_and_hides_the_other(client, region_manager_nord):
    log_in(client, region_manager_nord)

    page = client.get("/").content.decode()

    assert "<h1>Nord</h1>" in page and ">Lille</a>" in page
    assert "Sud" not in page and "Nice" not in page
    assert client.get("/?node=sud").status_code == 404
    assert client.get("/?node=nice").status_code == 404
    assert client.get("/?node=does-not-exist").status_code == 404


def test_franchisee_board_shows_their_own_figures(client, franchisee_user_lille, network, franchisee_lille,
                                                   franchisee_nice):  # fmt: skip
    this_months_facts(network, [franchisee_lille, franchisee_nice])
    log_in(client, franchisee_user_lille)

    response = client.get("/")

    page = response.content.decode()
    assert "<h1>Lille</h1>" in page
    leads = next(r for r in response.context["operational"] if r.kpi.key == "leads")
    revenue = next(r for r in response.context["business"] if r.kpi.key == "sales_revenue")
    assert (leads.report.current.value, revenue.report.current.value) == (
        1,
        1000,
    )  # Nice's 2 leads and 2,000 are not counted


def test_a_user_without_any_role_gets_the_no_access_page(client, tree):
    nobody = User.objects.create_user(email="nobody@acme.example", password=PASSWORD)
    log_in(client, nobody)

    response = client.get("/")

    assert response.status_code == 403
    assert "dashboard/no_access.html" in [t.name for t in response.templates]


def test_the_interface_is_french_by_default_and_english_on_request(client, franchisor):
    log_in(client, franchisor)

    french = client.get("/").content.decode()
    assert '<html lang="fr">' in french and "Nouveaux clients" in french and "Objectifs business" in french
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert '<html lang="en">' in english and "New customers" in english and "Business objectives" in english


def test_healthz_answers_ok(client):
    response = client.get("/healthz/")

    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("franchisees", [3, 12])
def test_home_query_count_does_not_grow_with_the_network(client, franchisor, network, region_nord,
                                                         django_assert_max_num_queries, franchisees):  # fmt: skip
    nodes = [node_upsert(slug=f"f{n}", name=f"F{n}", kind=NodeKind.FRANCHISEE, parent=region_nord)
             for n in range(franchisees)]  # fmt: skip
    this_months_facts(network, nodes)
    log_in(client, franchisor)

    with django_assert_max_num_queries(14):
        assert client.get("/").status_code == 200
