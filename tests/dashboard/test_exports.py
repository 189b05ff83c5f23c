"""Exports, scoped like the pages they come from: the board as PDF (a report's document, as the person sees it) and
CSV, a KPI page's tables, the campaigns list; the same board from the API as JSON, CSV and PDF, in the schema.
Another subtree's node is a 404 everywhere."""

import csv
import io
import re

import pytest
from pypdf import PdfReader
from rest_framework.authtoken.models import Token

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db

MARCH = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}
API_MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def log_in(client, user):
    assert client.login(username=user.email, password=PASSWORD)


def rows_of(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))


def test_the_board_pdf_is_the_persons_report_of_that_node_and_period(client, report_world, franchisee_user_lille):
    log_in(client, franchisee_user_lille)

    response = client.get("/", {"node": "lille", **MARCH, "format": "pdf"})

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="board-lille-2026-03-01-2026-03-31.pdf"'
    reader, text = pdf_text(response.content)
    assert reader.metadata.title == "Lille · 1 – 31 mars 2026"
    assert "4 321 €" in text and "LILLE-OBSERVATION" in text and "Nice" not in text and "98 765" not in text


def test_the_board_csv_holds_each_tiles_value_comparisons_and_objective(client, report_world, franchisee_user_lille):
    log_in(client, franchisee_user_lille)

    rows = {row["kpi"]: row for row in rows_of(client.get("/", {"node": "lille", **MARCH, "format": "csv"}))}

    revenue = rows["sales_revenue"]
    assert (revenue["name"], revenue["value"], revenue["previous_value"], revenue["change_previous_pct"]) == (
        "Chiffre d'affaires", "4321.0", "2160.5", "100.0")
    assert (revenue["target"], revenue["progress_pct"], revenue["pace"]) == ("5000.0", "86.42", "off_track")
    assert rows["leads"]["value"] == "12" and rows["leads"]["target"] == ""


def test_the_kpi_page_csv_holds_its_series_and_breakdowns(client, report_world, franchisor):
    log_in(client, franchisor)

    rows = rows_of(client.get("/kpi/sales_revenue/", {"node": "acme", **MARCH, "format": "csv"}))

    series = {(row["label"], row["kpi"]): row["value"] for row in rows if row["table"] == "Série"}
    assert series[("2026-03", "sales_revenue")] == "104320.0" and series[("2026-02", "sales_revenue")] == "52160.0"
    assert series[("2026-03", "leads")] == "22"  # its partner, the leads that feed it
    by_node = {row["label"]: row["value"] for row in rows if row["table"] == "Par nœud en dessous"}
    assert by_node == {"Nord": "5555.0", "Sud": "98765.0"}


def test_the_campaigns_csv_lists_every_campaign_of_the_scope(client, report_world, region_manager_nord):
    log_in(client, region_manager_nord)

    rows = rows_of(client.get("/campaigns/", {"node": "nord", **MARCH, "format": "csv"}))

    assert sorted((row["name"], row["spend"], row["leads"]) for row in rows) == [
        ("Google Lille", "300.0", "12"), ("Google Roubaix", "300.0", "3")]


@pytest.mark.parametrize("path", ["/", "/kpi/leads/", "/campaigns/"])
@pytest.mark.parametrize("export", ["pdf", "csv"])
def test_exports_of_another_subtree_are_404(client, report_world, franchisee_user_lille, path, export):
    log_in(client, franchisee_user_lille)

    assert client.get(path, {"node": "nice", **MARCH, "format": export}).status_code == 404


def api(client, user):
    token = Token.objects.create(user=user).key
    return lambda path, params: client.get(path, params, HTTP_AUTHORIZATION=f"Token {token}")


def test_the_api_serves_the_board_as_json_csv_and_pdf(client, report_world, franchisee_user_lille):
    get = api(client, franchisee_user_lille)

    board = get("/api/v1/board/", {"node": "lille", **API_MARCH}).json()
    rows = rows_of(get("/api/v1/board/csv/", {"node": "lille", **API_MARCH}))
    pdf = get("/api/v1/board/pdf/", {"node": "lille", **API_MARCH})

    revenue = next(tile for tile in board["tiles"] if tile["key"] == "sales_revenue")
    assert (board["node"], board["start"], board["end"]) == ("lille", "2026-03-01", "2026-03-31")
    assert (revenue["value"], revenue["previous"]["value"], revenue["target"], revenue["pace"]) == (
        4321.0, 2160.5, 5000.0, "off_track")
    assert next(row for row in rows if row["kpi"] == "sales_revenue")["value"] == "4321.0"
    assert pdf["Content-Type"] == "application/pdf" and "4 321 €" in pdf_text(pdf.content)[1]


@pytest.mark.parametrize("path", ["/api/v1/board/", "/api/v1/board/csv/", "/api/v1/board/pdf/"])
def test_the_board_api_answers_404_for_another_subtree(client, report_world, franchisee_user_lille, path):
    assert api(client, franchisee_user_lille)(path, {"node": "nice", **API_MARCH}).status_code == 404


def test_the_board_endpoints_are_in_the_schema(client, report_world, franchisee_user_lille):
    schema = api(client, franchisee_user_lille)("/api/v1/schema/", {"format": "json"}).json()

    assert {"/api/v1/board/", "/api/v1/board/csv/", "/api/v1/board/pdf/"} <= set(schema["paths"])
    assert "application/pdf" in schema["paths"]["/api/v1/board/pdf/"]["get"]["responses"]["200"]["content"]
    assert "text/csv" in schema["paths"]["/api/v1/board/csv/"]["get"]["responses"]["200"]["content"]
