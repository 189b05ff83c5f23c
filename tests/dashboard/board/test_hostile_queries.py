"""Query strings nobody's picker writes: a day that is not one, far outside the board's days, an end before its
start. Every page, export and API answers 400 and says which parameter and why; none answers 500."""

import re
from html import unescape

import pytest

from kpis.periods import FIRST_DAY, LAST_DAY
from tests.helpers import log_in

pytestmark = pytest.mark.django_db

PAGES = ["/", "/?format=csv", "/?format=pdf", "/kpi/cpl/", "/kpi/cpl/?format=csv", "/campaigns/",
         "/campaigns/?format=csv", "/budget/", "/leads/", "/leads/?format=csv", "/conversations/",
         "/questions/ask/?kpi=cpl"]  # fmt: skip
API = ["/api/v1/board/?node=acme", "/api/v1/board/csv/?node=nord", "/api/v1/board/pdf/?node=nord",
       "/api/v1/kpis/cpl/value/?node=nord", "/api/v1/kpis/cpl/peers/?node=nord"]  # fmt: skip
# (query, the parameter blamed, the value quoted)
QUERIES = [
    ("period=month&at=9999-12-31", "at", "9999-12-31"),
    ("period=custom&start=0001-01-01&end=2026-03-01", "start", "0001-01-01"),
    ("period=custom&start=2026-03-01&end=2300-01-01", "end", "2300-01-01"),
    ("period=custom&start=2026-02-30&end=2026-03-01", "start", "2026-02-30"),
    ("period=custom&start=2026-03-01&end=2026-02-01", "end", "2026-02-01"),
    ("period=week&at=-1", "at", "-1"),
]  # fmt: skip
API_QUERIES = [(q.replace("period=month&at=", "start=2026-01-01&end="), "end" if "at=" in q else name, value)
               for q, name, value in QUERIES if "week" not in q]  # fmt: skip


def _reason(response):
    found = re.search(r'<p class="error">(.*?)</p>', response.content.decode(), re.S)
    return unescape(found.group(1)) if found else ""


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("query", "name", "value"), QUERIES)
def test_a_page_asked_for_a_day_it_cannot_show_answers_400_naming_the_parameter(client, world, executive, page,
                                                                                 query, name, value):
    log_in(client, executive)

    response = client.get(f"{page}{'&' if '?' in page else '?'}{query}")

    assert response.status_code == 400
    reason = _reason(response)
    assert reason.startswith(f"{name}") and value in reason


@pytest.mark.parametrize("path", API)
@pytest.mark.parametrize(("query", "name", "value"), API_QUERIES)
def test_the_api_asked_for_a_day_it_cannot_show_answers_400_naming_the_field(client, world, executive, path, query,
                                                                              name, value):
    log_in(client, executive)

    response = client.get(f"{path}&{query}")

    assert response.status_code == 400
    reason = " ".join(response.json()[name])
    assert value in reason or "YYYY-MM-DD" in reason  # DRF's own message for a day that is not one names the form


def test_the_first_and_last_days_of_the_bounds_are_answered(client, world, executive):
    log_in(client, executive)
    query = f"start={FIRST_DAY}&end={LAST_DAY}"

    page = client.get(f"/kpi/cpl/?period=custom&{query}")
    api = client.get(f"/api/v1/board/?node=acme&{query}")

    assert page.status_code == api.status_code == 200
    assert api.json()["start"] == FIRST_DAY.isoformat() and api.json()["end"] == LAST_DAY.isoformat()


def test_another_bad_request_says_no_more_than_that(client):
    """A forged Host header is a bad request too; its message describes the server, and is not shown."""
    response = client.get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400 and "evil.example" not in response.content.decode()
