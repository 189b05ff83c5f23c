"""What every connector does when the provider fails: waits out a 429 as long as Retry-After says, retries a 5xx and
then fails the run cleanly (the previous data untouched, the reason given); pages through every page."""

import pytest

from ingestion.constants import SyncStatus
from ingestion.models import SyncRun
from ingestion.services import sync_now
from kpis.models import DailyMetric, DailyRollup, Lead

from .conftest import TODAY
from .connectors import MAIN, answer_good_sync, source_for

pytestmark = pytest.mark.django_db
KINDS = ["google_ads", "meta_ads", "ga4", "hubspot", "chatbot"]


def facts():
    return (sorted(DailyMetric.objects.values_list("campaign__external_id", "date", "spend", "clicks", "visitors")),
            sorted(Lead.objects.values_list("external_id", "revenue")),
            sorted(DailyRollup.objects.values_list("node_path", "day", "spend", "leads", "conversations")))  # fmt: skip


def ga4_campaigns(franchisee_lille):
    from tests.factories import CampaignFactory

    CampaignFactory(external_id="google_ads-111", node=franchisee_lille)


@pytest.mark.parametrize("kind", KINDS)
def test_a_429_is_waited_out_for_as_long_as_retry_after_says(kind, provider, make_source, http, waits,
                                                              franchisee_lille):  # fmt: skip
    ga4_campaigns(franchisee_lille)
    answer_good_sync(provider, kind)
    method, path = MAIN[kind]
    good = provider.routes[(method, path)]
    provider.on(method, path, (429, {"error": {"code": 429, "message": "Too many requests"}}, {"Retry-After": "7"}),
                *good)  # fmt: skip
    source = source_for(make_source, provider, kind)

    run, _ = sync_now(source=source, http=http, today=TODAY)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert 7.0 in waits
    assert run.created > 0


@pytest.mark.parametrize("kind", KINDS)
def test_a_provider_failing_with_5xx_is_retried_then_fails_the_run_and_leaves_the_data_as_it_was(
    kind, provider, make_source, http, waits, franchisee_lille
):
    ga4_campaigns(franchisee_lille)
    answer_good_sync(provider, kind)
    source = source_for(make_source, provider, kind)
    first, _ = sync_now(source=source, http=http, today=TODAY)
    assert first.status == SyncStatus.SUCCEEDED, first.error
    before = facts()
    method, path = MAIN[kind]
    provider.on(method, path, (503, {"error": {"code": 503, "message": "The service is currently unavailable."}}))
    calls = len(provider.calls(path))

    run, _ = sync_now(source=source, http=http, today=TODAY)

    assert run.status == SyncStatus.FAILED
    assert "503" in run.error and "The service is currently unavailable." in run.error
    assert len(provider.calls(path)) - calls == http.max_attempts  # retried, then given up
    assert len(waits) >= http.max_attempts - 1
    assert facts() == before
    assert SyncRun.objects.filter(source=source, status=SyncStatus.SUCCEEDED).count() == 1


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_sync_twice_changes_nothing_the_second_time(kind, provider, make_source, http, franchisee_lille):
    ga4_campaigns(franchisee_lille)
    answer_good_sync(provider, kind)
    source = source_for(make_source, provider, kind)
    first, _ = sync_now(source=source, http=http, today=TODAY)
    before = facts()
    answer_good_sync(provider, kind)

    again, _ = sync_now(source=source, http=http, today=TODAY)

    assert first.created > 0 and again.status == SyncStatus.SUCCEEDED
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created + first.updated)
    assert facts() == before
