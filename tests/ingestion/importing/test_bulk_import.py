"""The fast path of CSV files (ingestion.importing.bulk): it writes exactly what the row-by-row path writes, facts and
rollups alike; new leads added to the rollups equal a full refresh; a file that changes nothing refreshes nothing;
and a file it cannot take goes through the row-by-row path."""

from datetime import date

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from accounts.models import Node
from ingestion.importing import bulk, import_file, import_files
from kpis import rollups
from kpis.models import Campaign, Conversation, DailyMetric, DailyRollup, Lead, Sale, SliceRollup, SubtreeRollup
from kpis.periods import FIRST_DAY, LAST_DAY
from kpis.rollups import ROLLUP_GRAINS, rollups_refresh
from tests.helpers import NODES, write_csv

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path is PostgreSQL's COPY"),
]

CAMPAIGNS = [
    {"external_id": "g-lille", "name": "Google Lille", "channel": "google_ads", "node_slug": "lille",
     "start_date": "2026-03-01", "end_date": "2026-03-31", "budget": "3100"},
    {"external_id": "meta-nord", "name": "Meta Nord", "channel": "meta", "node_slug": "nord",
     "start_date": "2026-03-05", "end_date": "2026-04-10", "budget": "900.50"},
]  # fmt: skip
FRANCHISEES = ["lille", "roubaix", "nice"]


def leads(count, start=0, shift=0):
    """Leads spread over franchisees, days, hours (local and UTC stamps, one across midnight), campaigns or none,
    scores, flags and revenues."""
    rows = []
    for n in range(start, start + count):
        node = FRANCHISEES[n % 3]
        campaign = {"lille": ["g-lille", "meta-nord", ""], "roubaix": ["meta-nord", ""], "nice": [""]}[node]
        day = 1 + (n * 7 + shift) % 28
        stamp = f"2026-03-{day:02d}T{(n * 5) % 24:02d}:{n % 60:02d}:00" + ["+01:00", "Z", ""][n % 3]
        customer = n % 4 == 0
        rows.append({
            "external_id": f"lead-{n}", "created_at": stamp, "node_slug": node,
            "campaign_external_id": campaign[n % len(campaign)], "source": ["google", "facebook", ""][n % 3],
            "medium": ["cpc", "paid_social", ""][n % 3], "segment": ["students", "families", ""][n % 3],
            "score": str((n * 13) % 101) if n % 5 else "", "qualified": ["true", "false", ""][n % 3],
            "customer": "true" if customer else "false", "revenue": f"{n * 3.5:.2f}" if customer else "",
            "purchases": str(1 + n % 3) if customer else "",
        })  # fmt: skip
    return rows


def conversations(count, lead_count):
    return [
        {"external_id": f"conv-{n}", "started_at": f"2026-03-{1 + (n * 3) % 28:02d}T{(n * 7) % 24:02d}:15:00+01:00",
         "node_slug": FRANCHISEES[n % 3], "channel": ["chatbot", "whatsapp"][n % 2],
         "captured_contact": ["true", "false"][n % 2], "goal_completed": "true" if n % 3 == 0 else "false",
         "rating": str(1 + n % 10) if n % 2 else "", "rating_scale": "10" if n % 2 else "",
         "duration_seconds": str(30 * n), "messages": str(n % 9),
         # linked to a lead of the same node, most often counted on another day
         "lead_external_id": f"lead-{(n // 3) * 3 + n % 3}" if n % 4 == 0 and n < lead_count else ""}
        for n in range(count)
    ]  # fmt: skip


SALES = [{"date": f"2026-03-{d:02d}", "node_slug": node, "orders": str(d), "units": str(2 * d),
          "revenue": f"{d * 101}.25", "new_customers": str(d % 3)}
         for d in range(1, 20) for node in FRANCHISEES]  # fmt: skip
METRICS = [{"date": f"2026-03-{d:02d}", "campaign_external_id": c, "spend": f"{d * 10}.50", "impressions": "1000",
            "clicks": str(d * 4), "visitors": str(d * 3), "page_views": "50", "cta_views": "20", "cta_clicks": "5",
            "lp_views": "9", "form_submits": "3"}
           for d in range(1, 20) for c in ("g-lille", "meta-nord")]  # fmt: skip


def state():
    """Every fact row without its id, and the rollups' sums per grain: what two imports must agree on (new leads
    may be added to the rollups as rows of their own: the readers sum the rows of a grain)."""

    def rows(model, *exclude):
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", *exclude)]
        return sorted(model.objects.values_list(*names), key=repr)

    def sums(model):
        grain = ROLLUP_GRAINS[model]
        measures = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", *grain)]
        grouped = model.objects.values(*grain).annotate(**{f"sum_{m}": Sum(m) for m in measures}).order_by()
        return sorted((tuple(row.values()) for row in grouped), key=repr)

    lead_ids = dict(Lead.objects.values_list("pk", "external_id"))
    conversations_rows = sorted(
        (*row[:-1], lead_ids.get(row[-1])) for row in Conversation.objects.values_list(
            *[f.attname for f in Conversation._meta.concrete_fields if f.attname not in ("id", "lead_id")], "lead_id")
    )  # fmt: skip
    return {
        "leads": rows(Lead), "conversations": conversations_rows, "sales": rows(Sale), "metrics": rows(DailyMetric),
        "daily": sums(DailyRollup), "slices": sums(SliceRollup), "subtree": sums(SubtreeRollup),
    }  # fmt: skip


def result_counts(results):
    return [(r.kind, r.created, r.updated, r.unchanged, r.rejected) for r in results]


class Undo(Exception):
    pass


def both_ways(folder, monkeypatch):
    """Import the folder's files with the fast path and then, from the same start, row by row: (counts, state)
    of each, the fast path's left in place, and the route each file took."""
    with monkeypatch.context() as patch:
        patch.setattr(bulk, "supports", lambda fmt: False)
        try:
            with transaction.atomic():
                slow = result_counts(import_files([folder], report=pytest.fail)), state()
                raise Undo
        except Undo:
            pass
    results = import_files([folder], report=pytest.fail)
    fast = result_counts(results), state()
    taken = [(r.kind, r.route) for r in results]
    return fast, slow, taken


@pytest.fixture
def tree(tmp_path):
    import_file(write_csv(tmp_path, "nodes", NODES), report=pytest.fail)
    import_file(write_csv(tmp_path, "campaigns", CAMPAIGNS), report=pytest.fail)
    (tmp_path / "nodes.csv").unlink()
    (tmp_path / "campaigns.csv").unlink()
    return tmp_path


def test_the_fast_path_writes_what_the_row_by_row_path_writes(tree, monkeypatch):
    write_csv(tree, "daily_metrics", METRICS)
    write_csv(tree, "leads", leads(90))
    write_csv(tree, "conversations", conversations(40, 90))
    write_csv(tree, "sales", SALES)

    fast, slow, taken = both_ways(tree, monkeypatch)

    assert taken == [("daily_metrics", "python"), ("leads", "python"), ("conversations", "python"),
                     ("sales", "python")]  # fmt: skip
    assert fast == slow
    assert fast[0] == [("daily_metrics", 38, 0, 0, 0), ("leads", 90, 0, 0, 0), ("conversations", 40, 0, 0, 0),
                       ("sales", 57, 0, 0, 0)]  # fmt: skip
    assert Conversation.objects.filter(lead__isnull=False).count() == 10


def test_updates_new_and_unchanged_rows_in_one_file_agree_with_the_row_by_row_path(tree, monkeypatch):
    write_csv(tree, "leads", leads(60))
    write_csv(tree, "conversations", conversations(30, 60))
    write_csv(tree, "sales", SALES)
    import_files([tree], report=pytest.fail)
    # Ten leads move day (and so node days), ten change only a flag, twenty are new; a conversation is relinked.
    changed = leads(60)
    for row in changed[:10]:
        row["created_at"] = "2026-03-27T09:00:00+01:00"
    for row in changed[10:20]:
        row["qualified"] = "true" if row["qualified"] != "true" else "false"
    write_csv(tree, "leads", changed + leads(20, start=60, shift=3))
    relinked = conversations(30, 60)
    relinked[1]["lead_external_id"] = "lead-4"
    write_csv(tree, "conversations", relinked)
    write_csv(tree, "sales", [dict(SALES[0], revenue="1.00"), *SALES[1:]])

    fast, slow, taken = both_ways(tree, monkeypatch)

    assert taken == [("leads", "python"), ("conversations", "python"), ("sales", "python")]
    assert fast == slow
    assert fast[0] == [("leads", 20, 20, 40, 0), ("conversations", 0, 1, 29, 0), ("sales", 0, 1, 56, 0)]


def test_new_leads_added_to_the_rollups_equal_a_full_refresh(tree):
    write_csv(tree, "daily_metrics", METRICS)
    write_csv(tree, "leads", leads(45))
    write_csv(tree, "conversations", conversations(30, 45))
    import_files([tree], report=pytest.fail)
    (tree / "daily_metrics.csv").unlink()
    (tree / "conversations.csv").unlink()
    write_csv(tree, "leads", leads(45) + leads(120, start=45, shift=5))

    result = import_file(tree / "leads.csv", report=pytest.fail)

    assert (result.created, result.unchanged) == (120, 45)
    network_day = SubtreeRollup.objects.filter(node_path="/acme/", day=date(2026, 3, 6))
    assert network_day.count() == 2  # the row of the first import's refresh, and the new leads' own
    assert network_day.aggregate(n=Sum("leads"))["n"] == Lead.objects.filter(day=date(2026, 3, 6)).count()
    added = state()
    rollups_refresh(network=Node.objects.get(slug="acme"))
    assert state() == added
    assert network_day.count() == 1


def test_a_file_that_changes_nothing_refreshes_no_rollup(tree, monkeypatch):
    write_csv(tree, "leads", leads(30))
    write_csv(tree, "sales", SALES)
    import_files([tree], report=pytest.fail)
    calls = []
    monkeypatch.setattr(rollups, "rollups_refresh", lambda **kw: calls.append(kw))
    monkeypatch.setattr(bulk, "rollups_add_new_leads", lambda **kw: calls.append(kw))

    results = import_files([tree], report=pytest.fail)

    assert result_counts(results) == [("leads", 0, 0, 30, 0), ("sales", 0, 0, 57, 0)]
    assert calls == [] and all(not r.touched_days for r in results)


def test_a_file_the_fast_path_cannot_take_goes_row_by_row(tree):
    path = write_csv(tree, "leads", leads(3))
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("lead-short,2026-03-02T10:00:00+01:00,lille\n")  # fewer cells: the others are empty
    lines = []

    result = import_file(path, report=lines.append)

    assert lines == [] and (result.created, result.rejected) == (4, 0)
    assert Lead.objects.get(external_id="lead-short").campaign_id is None


def test_a_bad_row_leaves_nothing_written_and_is_reported_with_its_line(tree):
    rows = leads(8000)  # beyond one chunk of the fast path: the first chunk was already in the staging table
    rows[7500]["score"] = "150"
    lines = []

    result = import_file(write_csv(tree, "leads", rows), report=lines.append)

    assert lines == ["leads.csv:7502: score: 150 is above 100"] and result.rejected == 1
    assert not Lead.objects.exists() and not DailyRollup.objects.filter(leads__gt=0).exists()


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "row by row"])
def test_a_conversation_linked_to_an_older_lead_counts_a_chatbot_customer_on_the_leads_day(tree, monkeypatch, fast):
    if not fast:
        monkeypatch.setattr(bulk, "supports", lambda fmt: False)
    write_csv(tree, "leads", [dict(leads(1)[0], created_at="2026-03-02T10:00:00+01:00", customer="true")])
    import_files([tree], report=pytest.fail)
    (tree / "leads.csv").unlink()
    write_csv(tree, "conversations", [{"external_id": "c-late", "started_at": "2026-03-20T10:00:00+01:00",
                                       "node_slug": "lille", "lead_external_id": "lead-0"}])  # fmt: skip

    import_files([tree], report=pytest.fail)

    lille = Node.objects.get(slug="lille")
    lille_day = SubtreeRollup.objects.filter(node=lille, day=date(2026, 3, 2))
    assert lille_day.aggregate(n=Sum("chatbot_customers"))["n"] == 1
    assert Campaign.objects.count() == 2


def plain_leads(count):
    """Leads whose every value is in the plain form the database converts: time stamps with an offset or Z (with
    and without fractions, across local midnight), flags in any case, scores and amounts in plain digits."""
    offsets = ["+01:00", "Z", "+05:30", "-03:00", "+00:00"]
    flags = ["true", "FALSE", "Oui", "non", "1", "0", "y", "T", "vrai", "Faux", "yes", "N", ""]
    rows = leads(count)
    for n, row in enumerate(rows):
        fraction = ["", ".5", ".123456"][n % 3]
        separator = "T" if n % 2 else " "
        row["created_at"] = f"2026-03-{1 + n % 28:02d}{separator}{(n * 7) % 24:02d}:{n % 60:02d}:30{fraction}" \
                            f"{offsets[n % len(offsets)]}"  # fmt: skip
        row["qualified"], row["customer"] = flags[n % len(flags)], flags[(n * 5) % len(flags)]
        row["score"] = ["0", "007", "100", "", "42"][n % 5]
        row["revenue"] = ["", "0", "12", "12.5", "1234.56"][n % 5]
        row["purchases"] = ["", "0", "3"][n % 3]
    return rows


def test_a_plain_file_is_converted_by_the_database_as_python_would(tree, monkeypatch):
    write_csv(tree, "leads", plain_leads(120))

    fast, slow, taken = both_ways(tree, monkeypatch)

    assert taken == [("leads", "database")]
    assert fast == slow and fast[0] == [("leads", 120, 0, 0, 0)]
    # Across local midnight: 23:30 UTC on 1 March is 2 March in Paris.
    write_csv(tree, "leads", [dict(plain_leads(1)[0], external_id="late", created_at="2026-03-01T23:30:00Z")])
    assert import_file(tree / "leads.csv", report=pytest.fail).route == "database"
    assert Lead.objects.get(external_id="late").day == date(2026, 3, 2)


def test_a_plain_file_without_some_optional_columns_is_converted_by_the_database(tree, monkeypatch):
    rows = [{k: v for k, v in row.items() if k not in ("segment", "purchases", "campaign_external_id")}
            for row in plain_leads(30)]  # fmt: skip
    write_csv(tree, "leads", rows)

    fast, slow, taken = both_ways(tree, monkeypatch)

    assert taken == [("leads", "database")] and fast == slow


@pytest.mark.parametrize(("column", "value"), [
    ("created_at", "2026-03-05T10:00:00"),  # no offset: the network's local time, as Python reads it
    ("created_at", "2026-03-05"),
    ("created_at", "2026-03-05T10:00:00+01:75"),  # Python reads +02:15
    ("created_at", "2026-03-05T10:00:00.1234567+01:00"),  # Python drops the 7th decimal, PostgreSQL rounds it
    ("created_at", "2026-03-05T10:00:00 +01:00"),
    ("created_at", "2026-03-05t10:00:00+01:00"),
    ("created_at", "2026-03-05T10:00:00+0100"),
    ("score", "+5"),
    ("revenue", "1e2"),
    ("revenue", "12.500"),
    ("purchases", "1_000"),
])  # fmt: skip
def test_a_file_with_a_value_the_database_does_not_convert_is_parsed_in_python(tree, monkeypatch, column, value):
    rows = plain_leads(20)
    rows[7][column] = value
    write_csv(tree, "leads", rows)

    fast, slow, taken = both_ways(tree, monkeypatch)

    assert taken == [("leads", "python")] and fast == slow and fast[0] == [("leads", 20, 0, 0, 0)]


@pytest.mark.parametrize("moment", [
    "2026-02-30T10:00:00+01:00",  # the plain form, but no such day: the database refuses it too
    "2026-03-02T24:00:00+01:00",  # which the database would read as the next midnight
    "2026-03-02T23:59:60+01:00",  # and this as a leap second
    "2026-03-2  10:00:00+01:00",  # and this as 2 March
    "2026-03-02 1:00:00+01:00",
])  # fmt: skip
def test_a_time_stamp_python_refuses_is_reported_by_the_row_by_row_path(tree, moment):
    rows = plain_leads(20)
    rows[4]["created_at"] = moment
    lines = []

    result = import_file(write_csv(tree, "leads", rows), report=lines.append)

    assert lines == [f"leads.csv:6: created_at: '{moment}' is not an ISO 8601 date and time"]
    assert result.rejected == 1 and not Lead.objects.exists()


@pytest.mark.parametrize(("moment", "day"), [
    ("1899-12-31T23:00:00+01:00", "1899-12-31"),
    ("2200-01-01T00:00:00Z", "2200-01-01"),
    ("0001-01-01T00:00:00+05:00", "0001-01-01"),  # shifted to UTC it would not be a date any more
    ("9999-12-31T23:59:59-05:00", "9999-12-31"),
])  # fmt: skip
def test_a_time_stamp_outside_the_boards_days_is_refused_on_its_line(tree, moment, day):
    rows = plain_leads(20)
    rows[4]["created_at"] = moment
    lines = []

    result = import_file(write_csv(tree, "leads", rows), report=lines.append)

    assert lines == [f"leads.csv:6: created_at: {day} is outside {FIRST_DAY} – {LAST_DAY}"]
    assert result.rejected == 1 and not Lead.objects.exists()


def test_a_row_outside_the_imports_subtree_is_not_converted_by_the_database(tree):
    rows = plain_leads(6)  # lille, roubaix and nice: nice is not under nord
    lines = []

    result = import_file(write_csv(tree, "leads", rows), report=lines.append, within=Node.objects.get(slug="nord"))

    assert result.route == "row by row" and result.rejected == 2 and not Lead.objects.exists()
    assert lines[0] == "leads.csv:4: node_slug: 'nice' is outside 'nord''s subtree"
    write_csv(tree, "leads", [row for row in rows if row["node_slug"] != "nice"])
    result = import_file(tree / "leads.csv", report=pytest.fail, within=Node.objects.get(slug="nord"))
    assert result.route == "database" and result.created == 4


def write_text(folder, name, text, encoding="utf-8"):
    path = folder / f"{name}.csv"
    path.write_bytes(text.encode(encoding))
    return path


def csv_text(rows, newline="\n"):
    columns = list(rows[0])
    return newline.join([",".join(columns), *(",".join(row[c] for c in columns) for row in rows)]) + newline


@pytest.mark.parametrize(("name", "edit", "route"), [
    ("spaces, tabs and Unicode spaces around cells", lambda text: text.replace(",", " ,\t").replace(
        "lead-", "\u00a0lead-").replace("students", "students\u3000"), "database"),
    ("Windows line ends and a byte order mark", lambda text: "\ufeff" + text.replace("\n", "\r\n"), "database"),
    ("no newline at the end", lambda text: text.rstrip("\n"), "database"),
    # The files the database would read otherwise are read by Python, then converted. Quotes: PostgreSQL's CSV
    # reader opens a quoted part anywhere in a field, Python's only at its start.
    ("quoted cells", lambda text: text.replace("students", '"students, adults"'), "database conversion"),
    ("a quote inside a field", lambda text: text.replace("students", 'stu"den"ts'), "database conversion"),
    # A line of a backslash and a dot ends the data for PostgreSQL; for Python it is a value.
    ("a backslash and a dot", lambda text: text.replace("families", "fam\\.ilies"), "database conversion"),
    ("a blank line", lambda text: text.replace("\n", "\n\n", 3), "database conversion"),
])  # fmt: skip
def test_a_file_is_read_as_pythons_csv_module_reads_it(tree, monkeypatch, name, edit, route):
    write_text(tree, "leads", edit(csv_text(plain_leads(40))))

    fast, slow, taken = both_ways(tree, monkeypatch)

    assert taken == [("leads", route)]
    assert fast == slow and fast[0] == [("leads", 40, 0, 0, 0)]


@pytest.mark.parametrize("block", [1, 2, 3, 5, 8, 1 << 20])
@pytest.mark.parametrize("padded", ["families\u3000", "\u00a0families", "families\t", " families"])
def test_a_single_cell_with_spaces_is_seen_wherever_the_file_is_cut(tree, monkeypatch, block, padded):
    rows = plain_leads(6)
    rows[4]["segment"] = padded
    write_text(tree, "leads", csv_text(rows))
    monkeypatch.setattr(bulk, "BLOCK", block)

    assert import_file(tree / "leads.csv", report=pytest.fail).route == "database"

    assert Lead.objects.get(external_id="lead-4").segment == "families"


def test_the_database_read_keeps_each_rows_line_for_the_order_of_the_new_ids(tree):
    write_text(tree, "leads", csv_text(plain_leads(30)))

    assert import_file(tree / "leads.csv", report=pytest.fail).route == "database"

    assert list(Lead.objects.order_by("pk").values_list("external_id", flat=True)) == [
        f"lead-{n}" for n in range(30)]
