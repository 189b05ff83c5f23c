"""import_rows: the one upsert path, fed rows from anything (a connector, a webhook body) instead of a CSV file."""

from decimal import Decimal

import pytest

from ingestion.importing import import_rows
from kpis.models import Campaign, Conversation, DailyMetric, DailyRollup, Lead
from tests.factories import CampaignFactory, LeadFactory
from tests.helpers import report_lines

pytestmark = pytest.mark.django_db

LEAD = {"external_id": "hs-1", "created_at": "2026-03-10T10:00:00+01:00", "node_slug": "lille", "source": "google",
        "medium": "cpc", "score": 80, "qualified": True, "revenue": 1200.5}  # fmt: skip


def rows(*dicts, prefix="record"):
    return [(f"{prefix} {n}", row) for n, row in enumerate(dicts, start=1)]


def lille_leads_by_day():
    by_day = DailyRollup.objects.filter(node_path="/acme/nord/lille/", leads__gt=0).values_list("day", "leads")
    return {day.isoformat(): count for day, count in by_day}


def test_rows_of_json_values_are_read_like_csv_cells(tree):
    lines, report = report_lines()

    result = import_rows("leads", rows(LEAD), label="hubspot-lille", report=report)

    assert lines == [] and (result.created, result.path) == (1, "hubspot-lille")
    lead = Lead.objects.get(external_id="hs-1")
    assert (lead.score, lead.qualified, lead.revenue, lead.customer) == (80, True, Decimal("1200.50"), None)
    assert lille_leads_by_day() == {"2026-03-10": 1}


def test_the_same_rows_twice_leave_everything_unchanged(tree):
    import_rows("leads", rows(LEAD), label="src", report=print)
    rollups = sorted(DailyRollup.objects.values_list("node_path", "day", "leads", "lead_revenue"))

    again = import_rows("leads", rows(LEAD), label="src", report=print)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert sorted(DailyRollup.objects.values_list("node_path", "day", "leads", "lead_revenue")) == rollups


def test_a_changed_row_moves_its_rollups_from_the_old_day_to_the_new(tree):
    import_rows("leads", rows(LEAD), label="src", report=print)

    moved = import_rows("leads", rows(dict(LEAD, created_at="2026-03-12T09:00:00+01:00")), label="src", report=print)

    assert (moved.created, moved.updated) == (0, 1)
    assert lille_leads_by_day() == {"2026-03-12": 1}


def test_a_column_left_out_keeps_its_stored_value(tree, franchisee_lille):
    campaign = CampaignFactory(external_id="g-1", name="Old name", node=franchisee_lille, budget=Decimal("3100.00"))
    row = {"external_id": "g-1", "name": "New name", "channel": "google_ads", "node_slug": "lille"}

    result = import_rows("campaigns", rows(row), label="google-ads", report=print)

    campaign.refresh_from_db()
    assert result.updated == 1
    assert (campaign.name, campaign.budget) == ("New name", Decimal("3100.00"))


def test_a_metric_row_with_some_measures_leaves_the_others_alone(tree, franchisee_lille):
    CampaignFactory(external_id="g-1", node=franchisee_lille)
    import_rows("daily_metrics", rows({"date": "2026-03-10", "campaign_external_id": "g-1", "spend": "12.50",
                                       "clicks": 4}), label="google-ads", report=print)  # fmt: skip

    import_rows("daily_metrics", rows({"date": "2026-03-10", "campaign_external_id": "g-1", "visitors": 30}),
                label="ga4", report=print)  # fmt: skip

    metric = DailyMetric.objects.get()
    assert (metric.spend, metric.clicks, metric.visitors) == (Decimal("12.50"), 4, 30)


def test_a_bad_row_rejects_the_whole_batch_with_label_reference_column_and_reason(tree):
    lines, report = report_lines()
    batch = rows(LEAD, dict(LEAD, external_id="hs-2", score=150), dict(LEAD, external_id="hs-3", colour="red"),
                 dict(LEAD, external_id="hs-4", segment={"nested": 1}), prefix="contact")  # fmt: skip

    result = import_rows("leads", batch, label="hubspot-lille", report=report)

    assert lines == [
        "hubspot-lille:contact 3: colour: unknown column",
        "hubspot-lille:contact 4: segment: dict is not a single value",
        "hubspot-lille:contact 2: score: 150 is above 100",
    ]
    assert result.rejected == 3 and Lead.objects.count() == 0 and DailyRollup.objects.count() == 0


def test_a_duplicate_key_names_where_it_was_first_seen(tree):
    lines, report = report_lines()

    import_rows("leads", rows(LEAD, LEAD, prefix="contact"), label="src", report=report)

    assert lines == ["src:contact 2: external_id: duplicate key, first at contact 1"]


@pytest.mark.parametrize(
    ("kind", "row", "expected"),
    [
        ("leads", dict(LEAD, node_slug="nice"), "src:record 1: node_slug: 'nice' is outside 'nord''s subtree"),
        ("sales", {"date": "2026-03-10", "node_slug": "nice"}, "src:record 1: node_slug: 'nice' is outside"),
        ("campaigns", {"external_id": "c", "name": "C", "channel": "meta", "node_slug": "acme"},
         "src:record 1: node_slug: 'acme' is outside 'nord''s subtree"),
        ("daily_metrics", {"date": "2026-03-10", "campaign_external_id": "nice-campaign"},
         "src:record 1: campaign_external_id: campaign 'nice-campaign' belongs to nice, outside 'nord''s subtree"),
        ("conversations", {"external_id": "conv", "started_at": "2026-03-10T10:00:00Z", "node_slug": "lille",
                           "lead_external_id": "nice-lead"},
         "src:record 1: lead_external_id: lead 'nice-lead' belongs to nice, not lille"),
        ("leads", dict(LEAD, external_id="nice-lead"),
         "src:record 1: external_id: 'nice-lead' belongs to nice, outside 'nord''s subtree"),
        ("nodes", {"slug": "ghent", "name": "Ghent", "kind": "franchisee", "parent_slug": "sud"},
         "src:record 1: parent_slug: 'sud' is outside 'nord''s subtree"),
    ],
)  # fmt: skip
def test_a_row_outside_the_batchs_subtree_is_rejected_with_its_reason(tree, region_nord, franchisee_nice, kind, row,
                                                                      expected):  # fmt: skip
    CampaignFactory(external_id="nice-campaign", node=franchisee_nice)
    LeadFactory(external_id="nice-lead", node=franchisee_nice)
    lines, report = report_lines()

    result = import_rows(kind, rows(row), label="src", report=report, within=region_nord)

    assert not result.ok
    assert len(lines) == 1 and lines[0].startswith(expected), lines
    assert Lead.objects.get(external_id="nice-lead").node == franchisee_nice
    assert Campaign.objects.count() == 1 and Conversation.objects.count() == 0


def test_rows_inside_the_subtree_are_written(tree, region_nord):
    result = import_rows("leads", rows(LEAD, dict(LEAD, external_id="hs-2", node_slug="roubaix")), label="src",
                         report=print, within=region_nord)  # fmt: skip

    assert result.created == 2


def test_a_dry_run_counts_without_writing_and_an_unknown_kind_is_refused(tree):
    assert import_rows("leads", rows(LEAD), label="src", report=print, dry_run=True).created == 1
    assert Lead.objects.count() == 0
    with pytest.raises(ValueError, match="unknown kind 'deals'"):
        import_rows("deals", [], label="src", report=print)


def test_rollups_can_be_left_to_the_caller(tree):
    result = import_rows("leads", rows(LEAD), label="src", report=print, refresh_rollups=False)

    assert DailyRollup.objects.count() == 0
    assert {day.isoformat() for day in result.touched_days["acme"]} == {"2026-03-10"}


def test_a_nul_character_is_refused_with_its_reason(tree):
    # PostgreSQL refuses it in any text, even in the parameters of a lookup: it must never reach the database
    lines, report = report_lines()

    result = import_rows("leads", rows(dict(LEAD, node_slug="lil\x00le"), dict(LEAD, external_id="hs-2",
                                                                                  source="goo\x00gle")),
                         label="src", report=report)  # fmt: skip

    assert lines == ["src:record 1: node_slug: holds a NUL character", "src:record 2: source: holds a NUL character"]
    assert not result.ok and Lead.objects.count() == 0
