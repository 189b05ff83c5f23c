"""Fuzz: every page and every API endpoint, driven with hostile values in every parameter it reads (huge, negative,
NaN, far dates, malformed, markup, wrong types, deep JSON). Whatever comes in, the answer is a page or a clear 4xx,
never a 500. The API's endpoints and parameters are read from its own OpenAPI schema, so a new one is fuzzed too."""

import json

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from dashboard.questions.services import thread_open
from kpis.models import Campaign, Lead
from kpis.periods import PeriodKind, period_containing
from tests.dashboard.board.conftest import TODAY
from tests.helpers import log_in, token_auth

pytestmark = pytest.mark.django_db

HOSTILE = ["", "-1", "0", "99999999999999999999999999", "-99999999999999999999", "NaN", "inf", "1e400", "1.5",
           "9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01", "' OR 1=1 --", "<script>alert(1)</script>",
           "%00", "\x00", "[]", "{}", "=HYPERLINK(\"http://x\")", "x" * 3000, "ünïcødé ☃",
           "../../etc/passwd"]  # fmt: skip
# Every query parameter a page reads (request.GET, its forms' fields, the period picker's).
PAGE_PARAMETERS = ["node", "period", "at", "start", "end", "page", "kpi", "format", "search", "recipient",
                   "fragment", "channel", "status", "sort", "q", "campaign"]  # fmt: skip
PAGES = ["/", "/kpi/cpl/", "/kpi/customer_growth/", "/campaigns/", "/campaigns/{campaign}/", "/leads/",
         "/leads/{lead}/", "/conversations/", "/budget/", "/team/", "/sources/", "/reports/", "/reports/create/",
         "/questions/ask/", "/questions/for-me/", "/questions/mine/", "/questions/{thread}/",
         "/notifications/"]  # fmt: skip
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def ids(world, executive, franchisee_lille):
    thread = thread_open(kpi="cpl", node=franchisee_lille, period=period_containing(PeriodKind.MONTH, TODAY),
                         body="Pourquoi ?", author=executive)  # fmt: skip
    return {"campaign": Campaign.objects.first().pk, "lead": Lead.objects.first().pk, "thread": thread.pk}


def assert_no_server_error(response, what):
    assert response.status_code < 500, (what, response.status_code)


@pytest.mark.parametrize("page", PAGES)
def test_no_page_answers_500_to_a_hostile_parameter(client, ids, franchisor, page):
    log_in(client, franchisor)
    path = page.format(**ids)
    for name in PAGE_PARAMETERS:
        for value in HOSTILE:
            assert_no_server_error(client.get(path, {name: value}), (path, name, value))
    for value in ["-1", "99999999999999999999999999", "x"]:  # and in the address itself
        if "{" in page:
            assert_no_server_error(client.get(page.format(**dict.fromkeys(ids, value))), (page, value))


def api_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            parameters = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            yield path, method, [p["name"] for p in parameters], "requestBody" in operation


def test_the_schema_lists_the_endpoints_this_test_fuzzes():
    paths = {path for path, *_ in api_operations()}
    assert {"/api/v1/board/", "/api/v1/kpis/{key}/value/", "/api/v1/questions/create/"} <= paths


@pytest.mark.parametrize(("path", "method", "parameters", "has_body"), list(api_operations()),
                         ids=lambda value: value if isinstance(value, str) else None)  # fmt: skip
def test_no_api_endpoint_answers_500_to_hostile_values(ids, franchisor, path, method, parameters, has_body):
    client = Client(**token_auth(franchisor))
    concrete = path.replace("{key}", "cpl").replace("{pk}", str(ids["thread"] if "questions" in path else ids["lead"]))
    concrete = concrete.replace("{source_slug}", "nowhere")
    base = {"node": "acme", "start": "2026-03-01", "end": "2026-03-31"}
    send = getattr(client, method)
    for name in parameters:
        for value in HOSTILE:
            query = {**base, name: value}
            if method == "get":
                assert_no_server_error(send(concrete, query), (method, path, name, value))
    if has_body or method != "get":
        bodies = [DEEP, "not json", "[]", "{}", "null", json.dumps({"x": 1e308}), '{"day": NaN}',
                  json.dumps(dict.fromkeys(["kpi", "node", "day", "text", "start", "end", "username", "password"],
                                           "9999-12-31"))]  # fmt: skip
        bodies += [json.dumps(dict.fromkeys(["kpi", "node", "day", "text"], value)) for value in HOSTILE]
        for body in bodies:
            response = send(concrete, body, content_type="application/json")
            assert_no_server_error(response, (method, path, body[:40]))
