import os
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Node
from ingestion.importing import bulk, import_file, import_files
from kpis.models import Campaign, Conversation, DailyMetric, DailyRollup, Lead, Sale
from tests.helpers import NODES, report_lines, write_csv

pytestmark = pytest.mark.django_db

# ruff: noqa: E501 - the table of bad rows reads best one case a line

CAMPAIGNS = [
    {"external_id": "g-lille", "name": "Google Lille", "channel": "google_ads", "node_slug": "lille",
     "start_date": "2026-03-01", "end_date": "2026-03-31", "budget": "3100"},
    {"external_id": "meta-net", "name": "Meta network", "channel": "meta", "node_slug": "acme",
     "start_date": "", "end_date": "", "budget": ""},
]  # fmt: skip
LEADS = [
    {"external_id": "l1", "created_at": "2026-03-10T10:00:00+01:00", "node_slug": "lille",
     "campaign_external_id": "g-lille", "source": "google", "medium": "cpc", "segment": "students", "score": "80",
     "qualified": "oui", "customer": "true", "revenue": "1200.50", "purchases": "2"},
    {"external_id": "l2", "created_at": "2026-03-10T23:30:00Z", "node_slug": "nice",
     "campaign_external_id": "meta-net", "source": "facebook", "medium": "paid_social", "segment": "",
     "score": "", "qualified": "non", "customer": "", "revenue": "", "purchases": ""},
]  # fmt: skip


@pytest.fixture
def tree(tmp_path):
    lines, report = report_lines()
    result = import_file(write_csv(tmp_path, "nodes", NODES), report=report)
    assert result.ok, lines
    return tmp_path


def test_nodes_import_builds_the_tree_and_is_idempotent(tree):
    assert Node.objects.get(slug="lille").path == "/acme/nord/lille/"
    assert Node.objects.get(slug="acme").fiscal_year_start_month == 9

    lines, report = report_lines()
    again = import_file(tree / "nodes.csv", report=report)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 6, 0)


def test_importing_a_folder_twice_changes_nothing_the_second_time(tree):
    write_csv(tree, "campaigns", CAMPAIGNS)
    write_csv(tree, "leads", LEADS)
    write_csv(tree, "daily_metrics", [{"date": "2026-03-10", "campaign_external_id": "g-lille", "spend": "100.00",
                                       "clicks": "40", "impressions": "1000"}])  # fmt: skip
    write_csv(tree, "sales", [{"date": "2026-03-10", "node_slug": "lille", "orders": "2", "units": "3",
                               "revenue": "2000", "new_customers": "1"}])  # fmt: skip
    lines, report = report_lines()
    first = import_files([tree], report=report)
    assert lines == []
    assert [(r.kind, r.created) for r in first] == [
        ("nodes", 0),
        ("campaigns", 2),
        ("daily_metrics", 1),
        ("leads", 2),
        ("sales", 1),
    ]
    rollups = sorted(DailyRollup.objects.values_list("node_path", "day", "leads", "spend", "sales_revenue"))

    second = import_files([tree], report=report)

    assert [(r.created, r.updated, r.rejected) for r in second] == [(0, 0, 0)] * 5
    assert [r.unchanged for r in second] == [6, 2, 1, 2, 1]
    assert sorted(DailyRollup.objects.values_list("node_path", "day", "leads", "spend", "sales_revenue")) == rollups


def test_lead_fields_are_parsed_and_cut_on_the_network_local_day(tree):
    write_csv(tree, "campaigns", CAMPAIGNS)
    write_csv(tree, "leads", LEADS)
    import_files([tree], report=print)

    l1, l2 = Lead.objects.get(external_id="l1"), Lead.objects.get(external_id="l2")
    assert (l1.qualified, l1.customer, l1.revenue, l1.purchases, l1.score) == (True, True, Decimal("1200.50"), 2, 80)
    assert (l2.qualified, l2.customer, l2.revenue, l2.score) == (False, None, None, None)
    # 23:30 UTC on 10 March is 00:30 on 11 March in Paris: the lead counts on the 11th.
    assert l2.day.isoformat() == "2026-03-11"


def test_an_updated_row_is_counted_and_moves_its_rollup_day(tree):
    write_csv(tree, "campaigns", CAMPAIGNS)
    write_csv(tree, "leads", LEADS)
    import_files([tree], report=print)
    changed = [dict(LEADS[0], created_at="2026-03-12T10:00:00+01:00"), LEADS[1]]
    lines, report = report_lines()

    result = import_file(write_csv(tree, "leads", changed), report=report)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    by_day = dict(DailyRollup.objects.filter(node_path="/acme/nord/lille/", leads__gt=0).values_list("day", "leads"))
    assert {d.isoformat(): n for d, n in by_day.items()} == {"2026-03-12": 1}


@pytest.mark.parametrize(
    ("name", "rows", "expected"),
    [
        ("leads", [{"external_id": "x", "node_slug": "lille"}], "leads.csv:1: created_at: missing required column"),
        ("leads", [dict(LEADS[0], created_at="10/03/2026")], "leads.csv:2: created_at: '10/03/2026' is not an ISO 8601"),
        ("sales", [{"date": "2026-02-30", "node_slug": "lille"}], "sales.csv:2: date: '2026-02-30' is not a date"),
        ("sales", [{"date": "9999-12-31", "node_slug": "lille"}], "sales.csv:2: date: 9999-12-31 is outside 1900-01-01"),
        ("campaigns", [dict(CAMPAIGNS[0], start_date="0001-01-01")], "campaigns.csv:2: start_date: 0001-01-01 is outside"),
        ("conversations", [{"external_id": "c1", "started_at": "0001-01-01T00:00:00+01:00", "node_slug": "lille"}],
         "conversations.csv:2: started_at: 0001-01-01 is outside"),
        ("daily_metrics", [{"date": "2026-03-01", "campaign_external_id": "g-lille", "spend": "-5"}],
         "daily_metrics.csv:2: spend: -5 is negative"),
        ("leads", [dict(LEADS[0], node_slug="paris")], "leads.csv:2: node_slug: unknown node 'paris'"),
        ("leads", [dict(LEADS[0], node_slug="nord")], "leads.csv:2: node_slug: 'nord' is a region"),
        ("leads", [dict(LEADS[0], campaign_external_id="nope")], "leads.csv:2: campaign_external_id: unknown campaign"),
        ("leads", [dict(LEADS[1], node_slug="lille", campaign_external_id="g-lille"), dict(LEADS[0], external_id="l3", node_slug="nice")],
         "leads.csv:3: campaign_external_id: campaign 'g-lille' belongs to lille, not above nice"),
        ("leads", [dict(LEADS[0], score="101")], "leads.csv:2: score: 101 is above 100"),
        ("leads", [dict(LEADS[0], qualified="maybe")], "leads.csv:2: qualified: 'maybe' is not a boolean"),
        ("leads", [LEADS[0], LEADS[1], dict(LEADS[0])], "leads.csv:4: external_id: duplicate key, first on line 2"),
        ("leads", [dict(LEADS[0], node_slug="")], "leads.csv:2: node_slug: is required"),
        ("conversations", [{"external_id": "c1", "started_at": "2026-03-01T10:00:00Z", "node_slug": "lille",
                            "rating": "11", "rating_scale": "10"}], "conversations.csv:2: rating: 11 is outside its scale 1-10"),
        ("conversations", [{"external_id": "c1", "started_at": "2026-03-01T10:00:00Z", "node_slug": "lille",
                            "rating": "5", "rating_scale": "15"}], "conversations.csv:2: rating_scale: 15 is not a rating scale"),
        ("sales", [{"date": "2026-03-01", "node_slug": "lille", "revenue": "12.345"}],
         "sales.csv:2: revenue: 12.345 has more than 2 decimals"),
        ("sales", [{"date": "2026-03-01", "node_slug": "lille", "colour": "red"}], "sales.csv:1: colour: unknown column"),
    ],
)  # fmt: skip
def test_a_bad_row_is_reported_with_file_line_column_and_reason(tree, name, rows, expected):
    write_csv(tree, "campaigns", CAMPAIGNS)
    import_files([tree / "campaigns.csv"], report=print)
    rollups_before = DailyRollup.objects.count()  # the campaign's budget, spread over its days
    lines, report = report_lines()

    result = import_file(write_csv(tree, name, rows), report=report)

    assert not result.ok
    assert any(line.startswith(expected) for line in lines), lines
    assert Lead.objects.count() == 0 and Sale.objects.count() == 0 and Conversation.objects.count() == 0
    assert DailyMetric.objects.count() == 0 and DailyRollup.objects.count() == rollups_before


def test_good_rows_before_a_bad_one_are_not_written_either(tree, monkeypatch):
    # the good rows are upserted in earlier chunks, then rolled back
    monkeypatch.setattr("ingestion.importing.rows.CHUNK", 2)
    lead = dict(LEADS[1], campaign_external_id="")
    rows = [dict(lead, external_id=f"good-{n}") for n in range(5)] + [dict(lead, external_id="bad", score="x")]
    lines, report = report_lines()

    result = import_file(write_csv(tree, "leads", rows), report=report)

    assert lines == ["leads.csv:7: score: 'x' is not a whole number"]
    assert (result.rejected, Lead.objects.count(), DailyRollup.objects.count()) == (1, 0, 0)


def test_every_bad_row_of_a_file_is_reported_not_only_the_first(tree):
    rows = [dict(LEADS[1], campaign_external_id="", external_id=f"x{n}", score=str(200 + n)) for n in range(5)]
    lines, report = report_lines()

    result = import_file(write_csv(tree, "leads", rows), report=report)

    assert result.rejected == 5
    assert [line.split(":")[1] for line in lines] == ["2", "3", "4", "5", "6"]


def test_a_duplicate_key_across_chunks_is_caught(tree, monkeypatch):
    monkeypatch.setattr("ingestion.importing.rows.CHUNK", 2)
    lead = dict(LEADS[1], campaign_external_id="")
    rows = [dict(lead, external_id=f"x{n}") for n in range(5)] + [dict(lead, external_id="x0")]
    lines, report = report_lines()

    result = import_file(write_csv(tree, "leads", rows), report=report)

    assert lines == ["leads.csv:7: external_id: duplicate key, first on line 2"]
    assert result.rejected == 1 and Lead.objects.count() == 0


def test_dry_run_counts_but_writes_nothing(tree):
    write_csv(tree, "campaigns", CAMPAIGNS)
    results = import_files([tree / "campaigns.csv"], report=print, dry_run=True)

    assert results[0].created == 2
    assert Campaign.objects.count() == 0


def test_command_exits_1_and_prints_the_bad_rows(tree, capsys):
    write_csv(tree, "sales", [{"date": "2026-03-01", "node_slug": "lille", "orders": "-1"}])

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_facts", str(tree / "sales.csv"))

    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert "sales.csv:2: orders: -1 is negative" in captured.err
    assert "rejected 1" in captured.out


# A conversation's lead is on the conversation's node --------------------------------------------------------------
CONVERSATION = {"external_id": "c-1", "started_at": "2026-03-10T11:00:00+01:00", "node_slug": "lille"}


@pytest.fixture(params=["fast path", "row by row"])
def path(request, monkeypatch):
    """Each file through the fast path (on PostgreSQL), or forced row by row."""
    if request.param == "row by row":
        monkeypatch.setattr(bulk, "supports", lambda fmt: False)
    return request.param


def test_a_conversation_linked_to_another_franchisees_lead_is_refused(tree, path):
    # l2 is Nice's lead; the conversation is Lille's: Lille's people would read Nice's conversation on its lead page
    write_csv(tree, "campaigns", CAMPAIGNS)
    write_csv(tree, "leads", LEADS)
    import_files([tree], report=pytest.fail)
    lines, report = report_lines()

    result = import_file(write_csv(tree, "conversations", [
        dict(CONVERSATION, lead_external_id="l1"), dict(CONVERSATION, external_id="c-2", lead_external_id="l2"),
    ]), report=report)  # fmt: skip

    assert lines == ["conversations.csv:3: lead_external_id: lead 'l2' belongs to nice, not lille"]
    assert not result.ok and Conversation.objects.count() == 0


def test_a_lead_cannot_move_away_from_the_conversations_linked_to_it(tree, path):
    write_csv(tree, "campaigns", CAMPAIGNS)
    write_csv(tree, "leads", LEADS)
    write_csv(tree, "conversations", [dict(CONVERSATION, lead_external_id="l1")])
    import_files([tree], report=pytest.fail)
    lines, report = report_lines()

    moved = dict(LEADS[0], node_slug="roubaix", campaign_external_id="")
    result = import_file(write_csv(tree, "leads", [moved, LEADS[1]]), report=report)

    assert lines == ["leads.csv:2: node_slug: lead 'l1' is linked to conversation 'c-1' of lille: unlink it before "
                     "moving the lead to roubaix"]  # fmt: skip
    assert not result.ok and Lead.objects.get(external_id="l1").node.slug == "lille"


def test_a_lead_moves_once_its_conversations_are_unlinked(tree, path):
    write_csv(tree, "campaigns", CAMPAIGNS)
    write_csv(tree, "leads", LEADS)
    write_csv(tree, "conversations", [dict(CONVERSATION, lead_external_id="l1")])
    import_files([tree], report=pytest.fail)
    import_file(write_csv(tree, "conversations", [CONVERSATION]), report=pytest.fail)

    result = import_file(write_csv(tree, "leads", [dict(LEADS[0], node_slug="roubaix", campaign_external_id="")]),
                         report=pytest.fail)  # fmt: skip

    assert result.updated == 1 and Lead.objects.get(external_id="l1").node.slug == "roubaix"


# A folder is one transaction; links are refused ------------------------------------------------------------------
def test_a_folder_with_a_bad_file_writes_none_of_its_files(tmp_path, capsys):
    write_csv(tmp_path, "nodes", NODES)
    write_csv(tmp_path, "leads", [dict(LEADS[0], campaign_external_id="", purchases="two")])

    with pytest.raises(SystemExit) as exit_info:
        call_command("import_facts", str(tmp_path))

    assert exit_info.value.code == 1
    assert Node.objects.count() == 0 and Lead.objects.count() == 0
    out = capsys.readouterr()
    assert "leads.csv:2: purchases: 'two' is not a whole number" in out.err
    assert "nodes.csv: created 6, updated 0, unchanged 0, rejected 0 (not written: another file was rejected)" in out.out


def test_a_good_folder_is_written_whole(tmp_path, capsys):
    write_csv(tmp_path, "nodes", NODES)
    write_csv(tmp_path, "leads", [dict(LEADS[0], campaign_external_id="")])

    call_command("import_facts", str(tmp_path))

    assert Node.objects.count() == len(NODES) and Lead.objects.count() == 1
    assert capsys.readouterr().out.count("(ok)") == 2


SECRET_LINE = "DATABASE_PASSWORD=hunter2,API_TOKEN=s3cr3t"


@pytest.mark.parametrize("where", ["file in the folder", "file given", "folder given"])
def test_a_symbolic_link_is_refused_and_never_read(tmp_path, where):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_LINE + "\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    write_csv(folder, "nodes", NODES)
    (folder / "leads.csv").symlink_to(secret)  # what a link to /proc/self/environ would be
    argument = {"file in the folder": folder, "file given": folder / "leads.csv"}.get(where)
    if argument is None:
        argument = tmp_path / "linked-folder"
        argument.symlink_to(folder, target_is_directory=True)
        (folder / "leads.csv").unlink()

    with pytest.raises(CommandError) as refusal:
        call_command("import_facts", str(argument))

    assert str(refusal.value).endswith("a symbolic link; refused, not followed")
    assert "hunter2" not in str(refusal.value) and Node.objects.count() == 0


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "leads.csv")

    with pytest.raises(CommandError, match="not a regular file"):
        call_command("import_facts", str(tmp_path / "leads.csv"))


def test_a_file_without_a_header_is_not_echoed_in_the_errors(tree, capsys):
    # its first line is data: reasons name the columns missing, never the cells of the line
    (tree / "leads.csv").write_text("l9,2026-03-10T10:00:00+01:00,lille,jane.doe@example.com,+33612345678\n")

    with pytest.raises(SystemExit):
        call_command("import_facts", str(tree / "leads.csv"))

    err = capsys.readouterr().err
    assert "leads.csv:1: external_id: missing required column" in err
    assert "leads.csv:1: -: 5 unknown column(s), not repeated here" in err
    assert "jane.doe" not in err and "33612345678" not in err


def test_a_long_cell_is_quoted_only_in_part(tree):
    lines, report = report_lines()

    import_file(write_csv(tree, "leads", [dict(LEADS[0], created_at="x" * 5000)]), report=report)

    assert lines == [f"leads.csv:2: created_at: {'x' * 40!r}… is not an ISO 8601 date and time"]


def test_a_nul_byte_in_a_file_is_refused_with_its_line(tree, path):
    (tree / "leads.csv").write_text("external_id,created_at,node_slug,source\n"
                                    "l1,2026-03-10T10:00:00+01:00,lille,google\n"
                                    "l2,2026-03-10T10:00:00+01:00,lille,goo\x00gle\n")  # fmt: skip
    lines, report = report_lines()

    result = import_file(tree / "leads.csv", report=report)

    assert lines == ["leads.csv:3: source: holds a NUL character"]
    assert not result.ok and Lead.objects.count() == 0
