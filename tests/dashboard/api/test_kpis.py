"""The board from the API (dashboard/api/kpis.py) as JSON, CSV and PDF: the figures of the page's exports, for a
token's holder, in the schema; another subtree's node is a 404."""

import pytest

from tests.helpers import csv_rows, pdf_text, token_client

pytestmark = pytest.mark.django_db

API_MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def test_the_api_serves_the_board_as_json_csv_and_pdf(client, report_world, franchisee_user_lille):
    get = token_client(client, franchisee_user_lille)

    board = get("/api/v1/board/", {"node": "lille", **API_MARCH}).json()
    rows = csv_rows(get("/api/v1/board/csv/", {"node": "lille", **API_MARCH}))
    pdf = get("/api/v1/board/pdf/", {"node": "lille", **API_MARCH})

    revenue = next(tile for tile in board["tiles"] if tile["key"] == "sales_revenue")
    assert (board["node"], board["start"], board["end"]) == ("lille", "2026-03-01", "2026-03-31")
    assert (revenue["value"], revenue["previous"]["value"], revenue["target"], revenue["pace"]) == (
        4321.0, 2160.5, 5000.0, "off_track")
    assert next(row for row in rows if row["kpi"] == "sales_revenue")["value"] == "4321,0"  # French by default
    assert pdf["Content-Type"] == "application/pdf" and "4 321 €" in pdf_text(pdf.content)


@pytest.mark.parametrize("path", ["/api/v1/board/", "/api/v1/board/csv/", "/api/v1/board/pdf/"])
def test_the_board_api_answers_404_for_another_subtree(client, report_world, franchisee_user_lille, path):
    assert token_client(client, franchisee_user_lille)(path, {"node": "nice", **API_MARCH}).status_code == 404


def test_the_board_endpoints_are_in_the_schema(client, report_world, franchisee_user_lille):
    schema = token_client(client, franchisee_user_lille)("/api/v1/schema/", {"format": "json"}).json()

    assert {"/api/v1/board/", "/api/v1/board/csv/", "/api/v1/board/pdf/"} <= set(schema["paths"])
    assert "application/pdf" in schema["paths"]["/api/v1/board/pdf/"]["get"]["responses"]["200"]["content"]
    assert "text/csv" in schema["paths"]["/api/v1/board/csv/"]["get"]["responses"]["200"]["content"]
