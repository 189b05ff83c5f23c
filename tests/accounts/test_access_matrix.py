"""Nobody sees what is not theirs: every URL pattern and every endpoint of the OpenAPI schema, for every role,
asked about objects of another subtree (node=, id swap, search, pagination) answers 403/404 or holds no foreign row.

Endpoints are discovered from the URL resolver and the schema, so a new one is covered without anyone adding it
here; a path parameter the matrix cannot fill fails the test, asking to be taught.
"""

from datetime import UTC, date, datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.html import escape

from accounts.constants import NodeKind, Role
from accounts.services import node_upsert, user_grant
from dashboard.reports.services import report_create
from kpis.models import Campaign, Lead, Sale
from kpis.rollups import rollups_refresh
from tests.helpers import log_in, person, token_auth

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)
MOMENT = datetime(2026, 3, 10, 9, tzinfo=UTC)
# URL prefixes that read no facts: authentication, language, admin (staff only, tested by Django), health, schema.
# The unsubscribe page of reports is reached with a signed token, like a wall link, and shows no figure.
NOT_FACT_READS = ("admin/", "login/", "logout/", "password/", "i18n/", "healthz/", "api/v1/schema/", "api/v1/auth/",
                  "wall/", "reports/unsubscribe/")  # fmt: skip


@pytest.fixture
def world(tree, network, franchisee_lille, franchisee_nice):
    rival = node_upsert(slug="rival", name="Rivalnet", kind=NodeKind.NETWORK)
    rival_region = node_upsert(slug="rival-region", name="Rival region", kind=NodeKind.REGION, parent=rival)
    rival_shop = node_upsert(slug="rival-shop", name="Rival shop", kind=NodeKind.FRANCHISEE, parent=rival_region)
    leads = {}
    facts = [(franchisee_lille, "LILLE-LEAD-1", 111), (franchisee_nice, "NICE-LEAD-1", 987654),
             (rival_shop, "RIVAL-LEAD-1", 555777)]  # fmt: skip
    for node, external_id, revenue in facts:
        campaign = Campaign.objects.create(external_id=f"{external_id}-CAMPAIGN", name=f"Campaign of {node.name}",
                                           channel="google_ads", node=node)  # fmt: skip
        leads[node.slug] = Lead.objects.create(external_id=external_id, created_at=MOMENT, day=DAY, node=node,
                                               campaign=campaign, source="google", customer=True,
                                               revenue=revenue)  # fmt: skip
        Sale.objects.create(node=node, date=DAY, revenue=revenue)
    rollups_refresh(network=network)
    rollups_refresh(network=rival)
    rival_admin, _ = user_grant(email="boss@rival.example", role=Role.FRANCHISOR_ADMIN, node=rival)
    leads["rival-report"] = report_create(name="Rival report", node=rival, cadence="weekly", start_date=DAY,
                                          recipients=[rival_admin], acting_user=rival_admin)  # fmt: skip
    return leads


def people():
    """(email, role, node slug, the foreign node slugs, the markers of foreign rows)."""
    rival = ["rival", "rival-region", "rival-shop"]
    return [
        ("admin@acme.example", Role.FRANCHISOR_ADMIN, "acme", rival, ["RIVAL-LEAD-1", "555777", "Rival"]),
        ("ceo@acme.example", Role.EXECUTIVE, "acme", rival, ["RIVAL-LEAD-1", "555777", "Rival"]),
        ("mkt@acme.example", Role.MARKETING_MANAGER, "nord", ["sud", "nice", *rival],
         ["NICE-LEAD-1", "987654", "RIVAL-LEAD-1", "Nice"]),
        ("nord@acme.example", Role.REGION_MANAGER, "nord", ["sud", "nice", *rival],
         ["NICE-LEAD-1", "987654", "RIVAL-LEAD-1", "Nice"]),
        ("lille@acme.example", Role.FRANCHISEE, "lille", ["acme", "nord", "roubaix", "sud", "nice", *rival],
         ["NICE-LEAD-1", "987654", "RIVAL-LEAD-1", "Nice", "Roubaix"]),
    ]  # fmt: skip


def url_patterns(resolver=None, prefix=""):
    """Every (route, pattern) of the project, flattened."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def fill(route, foreign_lead, foreign_report=None):
    """A concrete path for `route`, with ids of a foreign subtree: the foreign lead's, its campaign's on campaign
    routes, another network's report on report routes."""
    target = foreign_lead.campaign if route.startswith("campaigns/") else foreign_lead
    if route.startswith("reports/") and foreign_report is not None:
        target = foreign_report
    values = {"<str:key>": "leads", "<int:pk>": str(target.pk), "{key}": "leads", "{id}": str(target.pk),
              "<slug:source_slug>": "any-source", "{source_slug}": "any-source"}  # fmt: skip
    for placeholder, value in values.items():
        route = route.replace(placeholder, value)
    assert "<" not in route and "{" not in route, f"teach the access matrix how to fill {route}"
    return "/" + route.lstrip("^").rstrip("$")


def queries(foreign_slug, foreign_lead):
    base = {"node": foreign_slug, "start": "2026-03-01", "end": "2026-03-31"}
    return [base, {**base, "search": foreign_lead.external_id}, {**base, "page": "2"}, {"node": foreign_slug}, {}]


def assert_nothing_foreign(response, markers, what):
    if response.status_code in (400, 401, 403, 404, 405):
        return
    assert response.status_code == 200, f"{what}: {response.status_code}"
    # Pages echo their own address (the language switcher's "next"): that is the question, not a foreign row.
    body = response.content.decode().replace(escape(response.wsgi_request.get_full_path()), "")
    for marker in markers:
        assert marker not in body, f"{what} shows {marker!r}"


@pytest.mark.parametrize(("email", "role", "home", "foreign", "markers"), people())
def test_no_url_pattern_shows_another_subtrees_rows(client, world, email, role, home, foreign, markers):
    from accounts.models import Node

    log_in(client, person(email, role, Node.objects.get(slug=home)))
    foreign_lead = world["rival-shop"] if role in (Role.FRANCHISOR_ADMIN, Role.EXECUTIVE) else world["nice"]
    checked = 0
    for route, _ in url_patterns():
        if route.startswith(NOT_FACT_READS) or "static" in route:
            continue
        path = fill(route, foreign_lead, world["rival-report"])
        for slug in foreign:
            for params in queries(slug, foreign_lead):
                assert_nothing_foreign(client.get(path, params), markers, f"{role} GET {path} {params}")
                checked += 1
    assert checked > 50


@pytest.mark.parametrize(("email", "role", "home", "foreign", "markers"), people())
def test_no_api_endpoint_of_the_schema_shows_another_subtrees_rows(client, world, email, role, home, foreign,
                                                                    markers):  # fmt: skip
    from accounts.models import Node

    auth = token_auth(person(email, role, Node.objects.get(slug=home)))
    schema = client.get("/api/v1/schema/", {"format": "json"}, **auth).json()
    foreign_lead = world["rival-shop"] if role in (Role.FRANCHISOR_ADMIN, Role.EXECUTIVE) else world["nice"]
    reads = [path for path, operations in schema["paths"].items() if "get" in operations]
    assert {"/api/v1/leads/", "/api/v1/leads/{id}/", "/api/v1/kpis/{key}/value/", "/api/v1/nodes/"} <= set(reads)
    for path in reads:
        for slug in foreign:
            for params in queries(slug, foreign_lead):
                response = client.get(fill(path.lstrip("/"), foreign_lead), params, **auth)
                assert_nothing_foreign(response, markers, f"{role} API GET {path} {params}")


@pytest.mark.parametrize(("email", "role", "home", "foreign", "markers"), people())
def test_each_role_does_see_its_own_rows(client, world, email, role, home, foreign, markers):
    """The other side of the matrix: the same endpoints do answer with the caller's own data."""
    from accounts.models import Node

    auth = token_auth(person(email, role, Node.objects.get(slug=home)))

    leads = client.get("/api/v1/leads/", {"node": home, "start": "2026-03-01", "end": "2026-03-31"}, **auth)
    detail = client.get(f"/api/v1/leads/{world['lille'].pk}/", **auth)

    assert leads.status_code == 200 and "LILLE-LEAD-1" in leads.content.decode()
    assert detail.status_code == 200 and detail.json()["external_id"] == "LILLE-LEAD-1"


def test_peer_comparison_gives_a_franchisee_quartiles_but_no_peer(client, world, network, region_nord):
    from accounts.models import Node

    for n in range(6):
        shop = node_upsert(slug=f"shop-{n}", name=f"Shop {n}", kind=NodeKind.FRANCHISEE, parent=region_nord)
        Sale.objects.create(node=shop, date=DAY, revenue=1000 * (n + 1))
    rollups_refresh(network=network)
    auth = token_auth(person("lille@acme.example", Role.FRANCHISEE, Node.objects.get(slug="lille")))

    response = client.get("/api/v1/kpis/sales_revenue/peers/",
                          {"node": "lille", "start": "2026-03-01", "end": "2026-03-31"}, **auth)  # fmt: skip

    body = response.json()
    # Lille 111, Roubaix 0, Nice 987,654 and six shops of 1,000 to 6,000: nine franchisees in Acme.
    assert (body["value"], body["peers"], body["q1"], body["median"], body["q3"]) == (111.0, 9, 1000.0, 3000.0, 5000.0)
    assert "shop" not in response.content.decode().lower() and "nice" not in response.content.decode().lower()
    assert (
        client.get(
            "/api/v1/kpis/sales_revenue/peers/", {"node": "nice", "start": "2026-03-01", "end": "2026-03-31"}, **auth
        ).status_code
        == 404
    )
