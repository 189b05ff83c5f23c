"""Exports, scoped like the pages they come from: the board as PDF (a report's document, as the person sees it) and
CSV, a KPI page's tables, the campaigns list. Another subtree's node is a 404 everywhere. (The same board from the
API: tests/dashboard/api/test_kpis.py.)"""

import pytest

from tests.helpers import csv_rows, log_in, pdf_text, pdf_title

pytestmark = pytest.mark.django_db

MARCH = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}


def test_the_board_pdf_is_the_persons_report_of_that_node_and_period(client, report_world, franchisee_user_lille):
    log_in(client, franchisee_user_lille)

    response = client.get("/", {"node": "lille", **MARCH, "format": "pdf"})

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="board-lille-2026-03-01-2026-03-31.pdf"'
    text = pdf_text(response.content)
    assert pdf_title(response.content) == "Lille · 1 – 31 mars 2026"
    assert "4 321 €" in text and "LILLE-OBSERVATION" in text and "Nice" not in text and "98 765" not in text


def test_the_board_csv_holds_each_tiles_value_comparisons_and_objective(client, report_world, franchisee_user_lille):
    log_in(client, franchisee_user_lille)

    rows = {row["kpi"]: row for row in csv_rows(client.get("/", {"node": "lille", **MARCH, "format": "csv"}))}

    revenue = rows["sales_revenue"]
    assert (revenue["name"], revenue["value"], revenue["previous_value"], revenue["change_previous_pct"]) == (
        "Chiffre d'affaires", "4321,0", "2160,5", "100,0")  # French: a decimal comma
    assert (revenue["target"], revenue["progress_pct"], revenue["pace"]) == ("5000,0", "86,42", "off_track")
    assert rows["leads"]["value"] == "12" and rows["leads"]["target"] == ""


def test_the_kpi_page_csv_holds_its_series_and_breakdowns(client, report_world, franchisor):
    log_in(client, franchisor)

    rows = csv_rows(client.get("/kpi/sales_revenue/", {"node": "acme", **MARCH, "format": "csv"}))

    series = {(row["label"], row["kpi"]): row["value"] for row in rows if row["table"] == "Série"}
    assert series[("2026-03", "sales_revenue")] == "104320,0" and series[("2026-02", "sales_revenue")] == "52160,0"
    assert series[("2026-03", "leads")] == "22"  # its partner, the leads that feed it
    by_node = {row["label"]: row["value"] for row in rows if row["table"] == "Par nœud en dessous"}
    assert by_node == {"Nord": "5555,0", "Sud": "98765,0"}


def test_the_campaigns_csv_lists_every_campaign_of_the_scope(client, report_world, region_manager_nord):
    log_in(client, region_manager_nord)

    rows = csv_rows(client.get("/campaigns/", {"node": "nord", **MARCH, "format": "csv"}))

    assert sorted((row["name"], row["spend"], row["leads"]) for row in rows) == [
        ("Google Lille", "300,0", "12"), ("Google Roubaix", "300,0", "3")]


@pytest.mark.parametrize("path", ["/", "/kpi/leads/", "/campaigns/"])
@pytest.mark.parametrize("export", ["pdf", "csv"])
def test_exports_of_another_subtree_are_404(client, report_world, franchisee_user_lille, path, export):
    log_in(client, franchisee_user_lille)

    assert client.get(path, {"node": "nice", **MARCH, "format": export}).status_code == 404
