"""Every table export (contract.md, "Exports"), through the pages and the API that serve it: CSV is UTF-8 with a byte
order mark, in French `;` and a decimal comma, in English `,` and a decimal point; text a spreadsheet would run as a
formula is written with a leading `'`, numbers stay numbers; every table also comes as XLSX with typed cells and no
formula. The names of campaigns, and the sources and segments of leads and conversations, come from web forms and ad
accounts: anyone may type `=HYPERLINK(...)` there."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from kpis.rollups import rollups_refresh
from tests.factories import CampaignFactory, ConversationFactory, DailyMetricFactory, LeadFactory
from tests.helpers import csv_number, csv_read, log_in, token_auth, xlsx_file_sheets, xlsx_records

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 2)  # March 2026 is a whole month
MARCH = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}
API_MARCH = {"node": "lille", "start": "2026-03-01", "end": "2026-03-31"}
# Text that spreadsheets run as formulas (a tab or a carriage return first: a formula once the cell is trimmed).
FORMULAS = ['=HYPERLINK("http://x")', "-2+3", "@SUM(1)", "+SUM(1)", "\t=1+1", "\r=1+1"]
NUMBERS = ["-12.5", "+3"]  # text that is a number is written as typed
NAMES = FORMULAS + NUMBERS
FRENCH, ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "fr"}, {"HTTP_ACCEPT_LANGUAGE": "en"}
CONVENTIONS = {"fr": (";", ","), "en": (",", ".")}  # (cell delimiter, decimal mark)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def named_world(network, tree, franchisee_lille, today):
    """In Lille in March, one campaign for each of NAMES (its external id "c<n>", n from 1), spending n × 10.25 €
    and bringing one lead whose source and segment are that name too, worth n × 12.5 €; a conversation of that
    segment for each."""
    for n, name in enumerate(NAMES, start=1):
        campaign = CampaignFactory(node=franchisee_lille, name=name, external_id=f"c{n}")
        DailyMetricFactory(campaign=campaign, date=date(2026, 3, n), spend=Decimal("10.25") * n)
        moment = datetime(2026, 3, n, 9 + n, 30, tzinfo=UTC)
        lead = LeadFactory(node=franchisee_lille, campaign=campaign, created_at=moment, source=name, segment=name,
                           score=10 * n, qualified=n % 2 == 0, revenue=Decimal("12.5") * n)  # fmt: skip
        ConversationFactory(node=franchisee_lille, started_at=moment, segment=name, lead=lead, duration_seconds=60 * n,
                            escalated=n % 3 == 0)  # fmt: skip
    rollups_refresh(network=network)


def written(name):
    """A name as a CSV cell must hold it: with a leading `'` when it is one of FORMULAS."""
    return "'" + name if name in FORMULAS else name


# Where each export of text from data puts it: (path, query, column holding the names).
NAMED_EXPORTS = [
    ("/campaigns/", {"node": "lille", **MARCH}, "name"),
    ("/kpi/leads/", {"node": "lille", **MARCH}, "label"),  # its breakdown by campaign (and by source, segment)
    ("/leads/", {"node": "lille", **MARCH}, "source"),
    ("/conversations/", {"node": "lille", **MARCH}, "segment"),
]


@pytest.mark.parametrize(("path", "query", "column"), NAMED_EXPORTS)
def test_text_a_spreadsheet_would_run_is_written_with_a_quote_in_every_csv_export(client, named_world,
                                                                                   franchisee_user_lille, path, query,
                                                                                   column):  # fmt: skip
    log_in(client, franchisee_user_lille)

    _delimiter, rows = csv_read(client.get(path, {**query, "format": "csv"}))

    cells = {row[column] for row in rows}
    assert {written(name) for name in NAMES} <= cells, cells
    assert not set(FORMULAS) & cells  # no formula as typed


@pytest.mark.parametrize("language", ["fr", "en"])
def test_csv_exports_are_in_the_conventions_of_the_request_language(client, named_world, franchisee_user_lille,
                                                                      language):  # fmt: skip
    """A byte order mark, then `;` and a decimal comma in French, `,` and a decimal point in English; the numbers
    are those of the data (spend, revenue) and of the API (the board, a KPI's value)."""
    log_in(client, franchisee_user_lille)
    header = {"HTTP_ACCEPT_LANGUAGE": language}
    expected_delimiter, decimal = CONVENTIONS[language]
    api = token_auth(franchisee_user_lille)
    tiles = {t["key"]: t for t in client.get("/api/v1/board/", API_MARCH, **api).json()["tiles"]}
    cpl = client.get("/api/v1/kpis/cpl/value/", API_MARCH, **api).json()["value"]
    spends = {f"c{n}": Decimal("10.25") * n for n in range(1, len(NAMES) + 1)}

    exports = {
        "board": client.get("/", {"node": "lille", **MARCH, "format": "csv"}, **header),
        "board api": client.get("/api/v1/board/csv/", API_MARCH, **header, **api),
        "kpi": client.get("/kpi/cpl/", {"node": "lille", **MARCH, "format": "csv"}, **header),
        "campaigns": client.get("/campaigns/", {"node": "lille", **MARCH, "format": "csv"}, **header),
        "leads": client.get("/leads/", {"node": "lille", **MARCH, "format": "csv"}, **header),
        "conversations": client.get("/conversations/", {"node": "lille", **MARCH, "format": "csv"}, **header),
    }
    read = {name: csv_read(response) for name, response in exports.items()}  # each checks the byte order mark

    assert {name: delimiter for name, (delimiter, _rows) in read.items()} == dict.fromkeys(read, expected_delimiter)
    for name in ("board", "board api"):
        rows = {row["kpi"]: row for row in read[name][1]}
        assert any(tile["value"] % 1 for tile in tiles.values() if tile["value"] is not None)  # some decimals
        for key, tile in tiles.items():
            assert csv_number(rows[key]["value"], decimal) == (None if tile["value"] is None else
                                                               Decimal(str(tile["value"]))), (name, key)  # fmt: skip
    march = next(row for row in read["kpi"][1] if (row["label"], row["kpi"]) == ("2026-03", "cpl"))
    assert csv_number(march["value"], decimal) == Decimal(str(cpl))
    assert {row["external_id"]: csv_number(row["spend"], decimal) for row in read["campaigns"][1]} == spends
    assert {row["campaign"]: csv_number(row["revenue"], decimal) for row in read["leads"][1]} == {
        f"c{n}": Decimal("12.5") * n for n in range(1, len(NAMES) + 1)}
    assert sorted(csv_number(row["duration_seconds"], decimal) for row in read["conversations"][1]) == [
        60 * n for n in range(1, len(NAMES) + 1)]


def test_the_campaigns_xlsx_has_typed_cells_and_names_as_text(client, named_world, franchisee_user_lille):
    log_in(client, franchisee_user_lille)

    response = client.get("/campaigns/", {"node": "lille", **MARCH, "format": "xlsx"})

    assert response["Content-Disposition"] == 'attachment; filename="campaigns-lille-2026-03-01-2026-03-31.xlsx"'
    rows = {row["external_id"]: row for row in xlsx_records(response)}
    assert len(rows) == len(NAMES)
    for n, name in enumerate(NAMES, start=1):
        row = rows[f"c{n}"]
        assert row["name"] == name  # text as typed, formula text included: a text cell is never run
        assert (row["spend"], row["leads"]) == (float(Decimal("10.25") * n), 1.0)
        assert row["node"] == "lille"


def test_the_leads_and_conversations_xlsx_have_dates_numbers_booleans_and_text(client, named_world, network,
                                                                                franchisee_user_lille):  # fmt: skip
    from kpis.models import Conversation, Lead

    log_in(client, franchisee_user_lille)

    leads = {row["external_id"]: row for row in xlsx_records(
        client.get("/leads/", {"node": "lille", **MARCH, "format": "xlsx"}))}  # fmt: skip
    conversations = {row["external_id"]: row for row in xlsx_records(
        client.get("/conversations/", {"node": "lille", **MARCH, "format": "xlsx"}))}  # fmt: skip

    assert len(leads) == len(conversations) == len(NAMES)
    for lead in Lead.objects.all():
        row = leads[lead.external_id]
        # A spreadsheet's times have no zone: they are the network's local times, as the pages show them.
        assert row["created_at"] == timezone.localtime(lead.created_at, network.zone).replace(tzinfo=None)
        assert (row["source"], row["segment"], row["campaign"]) == (lead.source, lead.segment,
                                                                    lead.campaign.external_id)  # fmt: skip
        assert (row["score"], row["qualified"], row["revenue"], row["customer"]) == (
            float(lead.score), lead.qualified, float(lead.revenue), None)  # unknown is an empty cell
    for conversation in Conversation.objects.all():
        row = conversations[conversation.external_id]
        assert row["started_at"] == timezone.localtime(conversation.started_at, network.zone).replace(tzinfo=None)
        assert (row["segment"], row["escalated"], row["duration_seconds"], row["lead"]) == (
            conversation.segment, conversation.escalated, float(conversation.duration_seconds),
            conversation.lead.external_id)  # fmt: skip


@pytest.mark.parametrize("source", ["page", "api"])
def test_the_board_xlsx_holds_the_apis_figures_as_typed_cells(client, named_world, franchisee_user_lille, source):
    log_in(client, franchisee_user_lille)
    api = token_auth(franchisee_user_lille)
    board = client.get("/api/v1/board/", API_MARCH, **api).json()

    response = (client.get("/", {"node": "lille", **MARCH, "format": "xlsx"}) if source == "page"
                else client.get("/api/v1/board/xlsx/", API_MARCH, **api))  # fmt: skip

    assert response["Content-Disposition"] == 'attachment; filename="board-lille-2026-03-01-2026-03-31.xlsx"'
    rows = xlsx_records(response)
    assert [row["kpi"] for row in rows] == [tile["key"] for tile in board["tiles"]]
    for row, tile in zip(rows, board["tiles"], strict=True):
        assert (row["start"], row["end"], row["previous_start"]) == (
            date.fromisoformat(tile["start"]), date.fromisoformat(tile["end"]),
            date.fromisoformat(tile["previous"]["start"]))  # fmt: skip
        assert (row["value"], row["previous_value"], row["target"]) == (
            tile["value"], tile["previous"]["value"], tile["target"]), tile["key"]
        assert (row["mature"], row["as_of"], row["name"], row["tier"]) == (
            tile["mature"], tile["as_of"], tile["name"], tile["tier"])  # fmt: skip


def test_the_kpi_xlsx_holds_the_series_and_the_breakdowns(client, named_world, franchisee_user_lille):
    log_in(client, franchisee_user_lille)
    csv_rows = csv_read(client.get("/kpi/leads/", {"node": "lille", **MARCH, "format": "csv"}, **ENGLISH))[1]

    rows = xlsx_records(client.get("/kpi/leads/", {"node": "lille", **MARCH, "format": "xlsx"}, **ENGLISH))

    # The CSV's table, cell for cell, each number a number and each label the text as typed: without the `'` the
    # CSV puts before formula-like text (no name in this world starts with a quote of its own).
    assert [(row["table"], row["label"], row["kpi"]) for row in rows] == [
        (row["table"], row["label"].removeprefix("'"), row["kpi"]) for row in csv_rows]
    assert [row["value"] for row in rows] == [None if row["value"] == "" else float(row["value"]) for row in csv_rows]
    assert set(NAMES) <= {row["label"] for row in rows}


def test_the_board_xlsx_endpoint_is_in_the_schema_and_scoped(client, named_world, franchisee_user_lille):
    api = token_auth(franchisee_user_lille)

    schema = client.get("/api/v1/schema/", {"format": "json"}, **api).json()

    content = schema["paths"]["/api/v1/board/xlsx/"]["get"]["responses"]["200"]["content"]
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in content
    assert client.get("/api/v1/board/xlsx/", {**API_MARCH, "node": "nice"}, **api).status_code == 404


@pytest.mark.parametrize("path", ["/", "/kpi/leads/", "/campaigns/", "/leads/", "/conversations/"])
def test_xlsx_exports_of_another_subtree_are_404(client, named_world, franchisee_user_lille, path):
    log_in(client, franchisee_user_lille)

    assert client.get(path, {"node": "nice", **MARCH, "format": "xlsx"}).status_code == 404


def test_a_table_longer_than_a_sheet_goes_on_in_a_second_sheet(monkeypatch):
    """XLSX sheets stop at 1,048,576 rows: a longer list is not cut short, it goes on in another sheet under the same
    header (tested with a sheet of 3 rows)."""
    from io import BytesIO

    from dashboard import spreadsheets

    monkeypatch.setattr(spreadsheets, "XLSX_MAX_ROWS", 3)
    output = BytesIO()
    rows = [[f"r{n}", n] for n in range(5)]

    spreadsheets.xlsx_write(spreadsheets.Table("t", "leads", ["id", "n"], iter(rows)), output)

    sheets = xlsx_file_sheets(output.getvalue())
    assert [rows[0] for rows in sheets.values()] == [["id", "n"]] * 3
    assert [row for sheet in sheets.values() for row in sheet[1:]] == [[f"r{n}", float(n)] for n in range(5)]


def test_an_xlsx_export_that_fails_halfway_leaves_no_file_and_no_open_cursor(client, named_world, franchisee_user_lille,
                                                                            monkeypatch, tmp_path):  # fmt: skip
    """The leads are read from a server-side cursor and their rows kept in scratch files until the workbook is
    assembled: a failure on the way (here, on the third lead) must release both at once."""
    import tempfile

    from django.db import connection

    from dashboard import spreadsheets

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    cells, write_cell = [], spreadsheets._xlsx_cell

    def failing(sheet, line, *args):
        if line == 3:
            raise RuntimeError("the database went away")
        cells.append(line)
        return write_cell(sheet, line, *args)

    monkeypatch.setattr(spreadsheets, "_xlsx_cell", failing)
    log_in(client, franchisee_user_lille)

    with pytest.raises(RuntimeError):
        client.get("/leads/", {"node": "lille", **MARCH, "format": "xlsx"})

    assert cells  # it failed halfway, with rows written
    assert list(tmp_path.iterdir()) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone() == (0,)
