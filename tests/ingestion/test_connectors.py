"""Each connector on recorded responses: what it writes (every page of it), its token refresh, and its malformed
rows rejected with the source, the record and the field named, nothing written."""

from decimal import Decimal

import pytest

from ingestion.constants import SyncStatus
from ingestion.crypto import credentials_decrypt
from ingestion.services import sync_now
from kpis.models import Campaign, Conversation, DailyMetric, DailyRollup, Lead
from tests.factories import CampaignFactory

from .conftest import TODAY, recorded
from .connectors import GA4, GOOGLE_ADS, HUBSPOT_CONTACTS, MAIN, META, answer_good_sync, source_for

pytestmark = pytest.mark.django_db


def metrics():
    return {(m.campaign.external_id, m.date.isoformat()): m for m in DailyMetric.objects.select_related("campaign")}


def assert_nothing_written():
    assert DailyMetric.objects.count() == 0 and Lead.objects.count() == 0 and Conversation.objects.count() == 0


# Google Ads ----------------------------------------------------------------------------------------------------------
def test_google_ads_writes_campaigns_and_daily_metrics_of_every_batch(provider, make_source, http):
    answer_good_sync(provider, "google_ads")
    source = source_for(make_source, provider, "google_ads")

    run, _ = sync_now(source=source, http=http, today=TODAY)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert (run.window_start.isoformat(), run.window_end.isoformat()) == ("2026-02-12", "2026-03-12")  # 28 days back
    request = provider.calls(GOOGLE_ADS)[-1]
    assert "segments.date BETWEEN '2026-02-12' AND '2026-03-12'" in request["body"]["query"]
    assert request["headers"]["developer-token"] == "dev-token"
    found = metrics()
    assert set(found) == {("google_ads-111", "2026-03-10"), ("google_ads-111", "2026-03-11"),
                          ("google_ads-222", "2026-03-11")}  # fmt: skip
    assert found[("google_ads-111", "2026-03-10")].spend == Decimal("25.50")
    assert (found[("google_ads-111", "2026-03-11")].clicks, found[("google_ads-111", "2026-03-11")].spend) == (
        31, Decimal("19.99"))  # fmt: skip
    assert Campaign.objects.get(external_id="google_ads-222").name == "Lille – marque"
    assert DailyRollup.objects.filter(node_path="/acme/nord/lille/", day="2026-03-11").count() == 2


def test_google_ads_keeps_the_budget_and_dates_a_csv_gave_a_campaign(provider, make_source, http, franchisee_lille):
    CampaignFactory(external_id="google_ads-111", name="Old", node=franchisee_lille, budget=Decimal("900.00"))
    answer_good_sync(provider, "google_ads")

    sync_now(source=source_for(make_source, provider, "google_ads"), http=http, today=TODAY)

    campaign = Campaign.objects.get(external_id="google_ads-111")
    assert (campaign.name, campaign.budget) == ("Lille – recherche locale", Decimal("900.00"))


def test_google_ads_refreshes_an_expired_token_once_and_keeps_the_new_one(provider, make_source, http):
    answer_good_sync(provider, "google_ads")
    good = provider.routes[("POST", GOOGLE_ADS)]
    provider.on("POST", GOOGLE_ADS, (401, recorded("google_ads/unauthenticated.json")), *good)
    source = source_for(make_source, provider, "google_ads")

    run, _ = sync_now(source=source, http=http, today=TODAY)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    token_request = provider.calls("/token")[0]["body"]
    assert token_request == {"grant_type": "refresh_token", "refresh_token": "refresh-1",
                             "client_id": "client-123.apps.example", "client_secret": "client-secret"}  # fmt: skip
    auth = [r["headers"]["authorization"] for r in provider.calls(GOOGLE_ADS)]
    assert auth == ["Bearer ya29.expired", "Bearer ya29.a0-fresh-access-token"]
    source.refresh_from_db()
    assert credentials_decrypt(source.credentials)["access_token"] == "ya29.a0-fresh-access-token"
    assert "ya29" not in source.credentials  # stored encrypted
    assert "refreshed" in run.notes


def test_google_ads_fails_with_a_clear_reason_when_the_refresh_is_refused(provider, make_source, http):
    provider.on("POST", GOOGLE_ADS, (401, recorded("google_ads/unauthenticated.json")))
    provider.on("POST", "/token", (400, recorded("oauth/invalid_grant.json")))

    run, _ = sync_now(source=source_for(make_source, provider, "google_ads"), http=http, today=TODAY)

    assert run.status == SyncStatus.FAILED
    assert "the Google token could not be refreshed" in run.error
    assert "invalid_grant: Token has been expired or revoked." in run.error and "reconnect the source" in run.error
    assert_nothing_written()


def test_google_ads_malformed_rows_are_rejected_with_source_record_and_field(provider, make_source, http):
    provider.on("POST", GOOGLE_ADS, (200, recorded("google_ads/search_stream_malformed.json")))

    run, _ = sync_now(source=source_for(make_source, provider, "google_ads"), http=http, today=TODAY)

    assert run.status == SyncStatus.FAILED and run.rejected == 2
    reasons = run.rejected_reasons.splitlines()
    row2 = "google-ads-lille:searchStream row 2 (campaign 111 on 2026-03-11)"
    assert f"{row2}: spend: 'not-micros' is not a number" in reasons
    assert "google-ads-lille:searchStream row 3 (campaign 111 on ?): date: is required" in reasons
    assert Campaign.objects.count() == 0  # the good campaign row of the same run is not kept either
    assert_nothing_written()


# Meta ----------------------------------------------------------------------------------------------------------------
def test_meta_follows_paging_next_and_reads_landing_page_views_and_leads(provider, make_source, http):
    answer_good_sync(provider, "meta_ads")

    run, _ = sync_now(source=source_for(make_source, provider, "meta_ads"), http=http, today=TODAY)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    calls = provider.calls(META)
    assert len(calls) == 2
    assert (calls[0]["query"]["level"], calls[0]["query"]["time_increment"]) == (["campaign"], ["1"])
    assert calls[1]["query"]["after"] == ["MQZDZD"]
    assert all(c["headers"]["authorization"] == "Bearer secret-token" for c in calls)
    found = metrics()
    first = found[("meta_ads-23850000000000111", "2026-03-10")]
    assert (first.spend, first.clicks, first.lp_views, first.form_submits) == (Decimal("18.42"), 44, 31, 3)
    assert found[("meta_ads-23850000000000222", "2026-03-11")].form_submits == 2
    assert Campaign.objects.get(external_id="meta_ads-23850000000000222").channel == "meta"


def test_meta_expired_token_fails_the_run_saying_to_generate_a_new_one(provider, make_source, http):
    provider.on("GET", META, (400, recorded("meta_ads/token_expired.json")))

    run, _ = sync_now(source=source_for(make_source, provider, "meta_ads"), http=http, today=TODAY)

    assert run.status == SyncStatus.FAILED
    assert "Meta refused the access token (code 190" in run.error and "Session has expired" in run.error
    assert "generate a new long-lived or system-user token" in run.error
    assert len(provider.calls(META)) == 1  # not retried: it cannot work later by itself


def test_meta_throttling_code_is_waited_out_for_the_time_meta_gives(provider, make_source, http, waits):
    answer_good_sync(provider, "meta_ads")
    good = provider.routes[("GET", META)]
    usage = '{"1029384756": [{"type": "ads_insights", "call_count": 100, "estimated_time_to_regain_access": 1}]}'
    provider.on("GET", META, (400, recorded("meta_ads/throttled.json"), {"X-Business-Use-Case-Usage": usage}), *good)

    run, _ = sync_now(source=source_for(make_source, provider, "meta_ads"), http=http, today=TODAY)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert waits == [60]


def test_meta_malformed_rows_are_rejected(provider, make_source, http):
    provider.on("GET", META, (200, recorded("meta_ads/insights_malformed.json")))

    run, _ = sync_now(source=source_for(make_source, provider, "meta_ads"), http=http, today=TODAY)

    reasons = run.rejected_reasons.splitlines()
    assert run.status == SyncStatus.FAILED and run.rejected == 2
    assert reasons == [
        "meta-ads-lille:insights page 1 row 1 (campaign 23850000000000111 on 2026-03-10): spend: -4.00 is negative",
        "meta-ads-lille:insights page 1 row 2 (campaign 23850000000000111 on 2026-02-30): date: '2026-02-30' is not a "
        "date (YYYY-MM-DD)",
    ]
    assert_nothing_written()


def test_meta_next_link_must_stay_with_the_provider(provider, make_source, http):
    page = recorded("meta_ads/insights_page1.json", base_url="https://evil.example")
    provider.on("GET", META, (200, page))

    run, _ = sync_now(source=source_for(make_source, provider, "meta_ads"), http=http, today=TODAY)

    assert run.status == SyncStatus.FAILED and "points outside" in run.error
    assert_nothing_written()


# GA4 -----------------------------------------------------------------------------------------------------------------
def test_ga4_pages_by_offset_and_writes_visitors_of_known_campaigns_only(provider, make_source, http, franchisee_lille):
    CampaignFactory(external_id="google_ads-111", node=franchisee_lille)
    DailyMetric.objects.create(campaign=Campaign.objects.get(), date="2026-03-10", spend=Decimal("25.50"), clicks=40)
    answer_good_sync(provider, "ga4")

    run, _ = sync_now(source=source_for(make_source, provider, "ga4"), http=http, today=TODAY)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert [c["body"]["offset"] for c in provider.calls(GA4)] == [0, 2]
    assert provider.calls(GA4)[0]["body"]["dimensions"] == [{"name": "date"}, {"name": "sessionCampaignId"},
                                                            {"name": "sessionSourceMedium"}]  # fmt: skip
    found = metrics()
    day10 = found[("google_ads-111", "2026-03-10")]
    assert (day10.visitors, day10.page_views, day10.spend, day10.clicks) == (36, 88, Decimal("25.50"), 40)
    assert found[("google_ads-111", "2026-03-11")].visitors == 29
    assert "2 GA4 row(s) brought by no known campaign" in run.notes  # organic and campaign 999


def test_ga4_refreshes_its_token_and_fails_clearly_when_it_cannot(provider, make_source, http, franchisee_lille):
    CampaignFactory(external_id="google_ads-111", node=franchisee_lille)
    answer_good_sync(provider, "ga4")
    good = provider.routes[("POST", GA4)]
    provider.on("POST", GA4, (401, recorded("ga4/unauthenticated.json")), *good)
    source = source_for(make_source, provider, "ga4")

    ok, _ = sync_now(source=source, http=http, today=TODAY)
    assert ok.status == SyncStatus.SUCCEEDED and len(provider.calls("/token")) == 1

    provider.on("POST", GA4, (401, recorded("ga4/unauthenticated.json")))
    provider.on("POST", "/token", (400, recorded("oauth/invalid_grant.json")))
    failed, _ = sync_now(source=source, http=http, today=TODAY)
    assert failed.status == SyncStatus.FAILED and "Google token could not be refreshed" in failed.error


def test_ga4_malformed_rows_are_rejected(provider, make_source, http, franchisee_lille):
    CampaignFactory(external_id="google_ads-111", node=franchisee_lille)
    provider.on("POST", GA4, (200, recorded("ga4/run_report_malformed.json")))

    run, _ = sync_now(source=source_for(make_source, provider, "ga4"), http=http, today=TODAY)

    assert run.status == SyncStatus.FAILED
    assert run.rejected_reasons == ("ga4-lille:runReport row 1 (google / cpc, campaign 111 on 2026031): date: "
                                    "'2026031' is not a date (YYYY-MM-DD)")  # fmt: skip


# HubSpot -------------------------------------------------------------------------------------------------------------
def test_hubspot_turns_contacts_and_won_deals_into_leads(provider, make_source, http):
    answer_good_sync(provider, "hubspot")
    source = source_for(make_source, provider, "hubspot")

    run, _ = sync_now(source=source, http=http, today=TODAY)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert [c["body"].get("after") for c in provider.calls(HUBSPOT_CONTACTS)] == [None, "2"]
    leads = {lead.external_id: lead for lead in Lead.objects.all()}
    assert set(leads) == {"hubspot-501", "hubspot-502", "hubspot-503", "hubspot-504"}
    sql, organic, customer, via_deal = (leads[f"hubspot-50{n}"] for n in (1, 2, 3, 4))
    assert (sql.qualified, sql.customer, sql.score, sql.source) == (True, False, 72, "paid_search")
    assert (organic.qualified, organic.score) == (False, 100)  # 140 capped, and said so
    assert (customer.customer, customer.revenue, customer.purchases) == (True, Decimal("1250.00"), 2)
    assert (via_deal.customer, via_deal.revenue, via_deal.purchases, via_deal.qualified) == (True, Decimal("1200.50"),
                                                                                               1, True)  # fmt: skip
    assert via_deal.day.isoformat() == "2026-01-15"  # a cohort fact: it counts on the day the lead came in
    assert "1 HubSpot score(s) above 100" in run.notes
    source.refresh_from_db()
    assert "modified_since" in source.state
    first_filter = provider.calls(HUBSPOT_CONTACTS)[0]["body"]["filterGroups"][0]["filters"][0]
    assert first_filter["propertyName"] == "lastmodifieddate" and first_filter["operator"] == "GTE"


def test_hubspot_oauth_token_is_refreshed_once_and_a_refused_refresh_fails_clearly(provider, make_source, http):
    answer_good_sync(provider, "hubspot")
    good = provider.routes[("POST", HUBSPOT_CONTACTS)]
    provider.on("POST", HUBSPOT_CONTACTS, (401, recorded("hubspot/expired.json")), *good)
    provider.on("POST", "/token", (200, recorded("oauth/hubspot_token.json")))
    source = source_for(make_source, provider, "hubspot", access_token="expired", **{
        "client_id": "hub-client", "client_secret": "hub-secret", "refresh_token": "hub-refresh"})  # fmt: skip

    run, _ = sync_now(source=source, http=http, today=TODAY)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    source.refresh_from_db()
    assert credentials_decrypt(source.credentials)["refresh_token"] == "rotated-refresh-token"

    provider.on("POST", HUBSPOT_CONTACTS, (401, recorded("hubspot/expired.json")))
    provider.on("POST", "/token", (400, {"status": "BAD_REFRESH_TOKEN", "message": "missing or unknown refresh token"}))
    failed, _ = sync_now(source=source, http=http, today=TODAY)
    assert failed.status == SyncStatus.FAILED
    assert "HubSpot token could not be refreshed" in failed.error and "missing or unknown refresh token" in failed.error


def test_hubspot_private_app_token_that_expired_fails_saying_so(provider, make_source, http):
    provider.on("POST", HUBSPOT_CONTACTS, (401, recorded("hubspot/expired.json")))

    run, _ = sync_now(source=source_for(make_source, provider, "hubspot"), http=http, today=TODAY)

    assert run.status == SyncStatus.FAILED
    assert "no refresh token" in run.error and "reconnect the source" in run.error


def test_hubspot_malformed_deal_amount_rejects_the_run(provider, make_source, http):
    answer_good_sync(provider, "hubspot")
    deals = recorded("hubspot/deals_batch_read.json")
    deals["results"][0]["properties"]["amount"] = "1 200,50"
    provider.on("POST", "/crm/v3/objects/deals/batch/read", (200, deals))

    run, _ = sync_now(source=source_for(make_source, provider, "hubspot"), http=http, today=TODAY)

    assert run.status == SyncStatus.FAILED
    assert "hubspot-lille:contact 504: revenue: '1 200,50' is not a number" in run.rejected_reasons
    assert_nothing_written()


# Chatbot export -------------------------------------------------------------------------------------------------------
def test_chatbot_export_maps_conversations_page_by_page(provider, make_source, http):
    answer_good_sync(provider, "chatbot")

    run, _ = sync_now(source=source_for(make_source, provider, "chatbot"), http=http, today=TODAY)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    conversations = {c.external_id: c for c in Conversation.objects.all()}
    first, second, third = conversations["c-1001"], conversations["c-1002"], conversations["c-1003"]
    assert (first.channel, first.messages, first.self_served, first.rating, first.captured_contact) == (
        "whatsapp", 3, True, 8, True)  # fmt: skip
    assert (second.channel, second.escalated, second.self_served, second.day.isoformat()) == (
        "web_chat", True, False, "2026-03-11")  # fmt: skip
    assert (third.channel, third.rating_scale, third.node.slug) == ("messenger", 20, "lille")
    assert provider.calls("/export")[0]["headers"]["authorization"] == "Bearer secret-token"


def test_chatbot_export_refused_token_fails_clearly(provider, make_source, http):
    provider.on("GET", "/export", (401, {"message": "invalid api token"}))

    run, _ = sync_now(source=source_for(make_source, provider, "chatbot"), http=http, today=TODAY)

    assert run.status == SyncStatus.FAILED and "answered 401: invalid api token" in run.error


def test_chatbot_malformed_conversations_are_rejected_with_reasons(provider, make_source, http):
    provider.on("GET", "/export", (200, recorded("chatbot/export_malformed.json")))

    run, _ = sync_now(source=source_for(make_source, provider, "chatbot"), http=http, today=TODAY)

    reasons = run.rejected_reasons.splitlines()
    assert "chatbot-lille:page 1 conversation 1 (c-2001): rating: 12 is outside its scale 1-10" in reasons
    assert any(r.startswith("chatbot-lille:page 1 conversation 2 (c-2002): started_at: 'yesterday'") for r in reasons)
    assert_nothing_written()


def test_a_chatbot_export_read_from_a_file(tmp_path, make_source, http):
    export = tmp_path / "export.json"
    export.write_text('{"conversations": [{"id": "f-1", "started_at": "2026-03-10T10:00:00Z"}], "next": null}')

    run, _ = sync_now(source=make_source("chatbot", path=str(export)), http=http, today=TODAY)

    assert run.status == SyncStatus.SUCCEEDED and Conversation.objects.get().external_id == "f-1"


@pytest.mark.parametrize("kind", sorted(MAIN))
def test_a_row_for_another_franchisee_is_rejected_with_its_reason(kind, provider, make_source, http, franchisee_lille,
                                                                   franchisee_nice):  # fmt: skip
    CampaignFactory(external_id="google_ads-111", node=franchisee_nice)  # GA4 must not write Nice's campaign
    answer_good_sync(provider, kind)
    extra = {"campaign_nodes": {"111": "nice", "23850000000000111": "nice"}, "node_property": "hubspotscore",
             "locations": {"LIL-01": "nice"}}  # fmt: skip
    source = source_for(make_source, provider, kind, **extra)

    run, _ = sync_now(source=source, http=http, today=TODAY)

    if kind == "ga4":  # campaigns outside the source's subtree are not its own: skipped, never written
        assert run.status == SyncStatus.SUCCEEDED and DailyMetric.objects.count() == 0
        return
    assert run.status == SyncStatus.FAILED
    assert "is outside 'lille''s subtree" in run.rejected_reasons or "unknown node" in run.rejected_reasons
    assert Lead.objects.count() == 0 and Conversation.objects.count() == 0
