"""The Data sources page and the board's freshness."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.constants import NodeKind
from accounts.services import node_upsert
from ingestion.constants import SyncStatus, SyncTrigger
from ingestion.models import DataSource, SyncRun
from ingestion.selectors import data_freshness
from ingestion.services import source_register

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(franchisee_lille):
    return source_register(slug="drop-lille", kind="csv", node=franchisee_lille, config={"folder": "/srv/drop"},
                           name="Dépôt Lille")[0]  # fmt: skip


def finished_run(source, status, *, hours_ago, **fields):
    at = timezone.now() - timedelta(hours=hours_ago)
    return SyncRun.objects.create(source=source, trigger=SyncTrigger.SCHEDULE, status=status, queued_at=at,
                                  started_at=at, finished_at=at, **fields)  # fmt: skip


def test_an_admin_sees_the_networks_sources_and_a_run_history_with_reasons(client, franchisor, source):
    finished_run(source, SyncStatus.FAILED, hours_ago=1, error="1 record(s) rejected; nothing was written",
                 rejected=1, rejected_reasons="drop-lille:leads.csv line 3: revenue: -5 is negative")  # fmt: skip
    client.login(username=franchisor.email, password=PASSWORD)

    page = client.get("/sources/").content.decode()
    detail = client.get(f"/sources/{source.pk}/").content.decode()

    assert "Dépôt Lille" in page and 'href="/sources/"' in page  # the top navigation links the page for admins
    assert "leads.csv line 3: revenue: -5 is negative" in detail


def test_sync_now_queues_a_run_that_a_worker_runs_after_commit(client, franchisor, source, tmp_path, celery_inline,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    DataSource.objects.filter(pk=source.pk).update(config={"folder": str(tmp_path)})
    client.login(username=franchisor.email, password=PASSWORD)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/sources/{source.pk}/sync/")

    assert response.status_code == 302
    run = SyncRun.objects.get()
    assert (run.trigger, run.status) == (SyncTrigger.MANUAL, SyncStatus.SUCCEEDED)


def test_an_admin_changes_the_time_of_day_and_pauses_a_source(client, franchisor, source):
    client.login(username=franchisor.email, password=PASSWORD)

    client.post(f"/sources/{source.pk}/schedule/", {"schedule_time": "03:30", "enabled": ""})

    source.refresh_from_db()
    assert (source.schedule_time, source.enabled) == (time(3, 30), False)
    client.post(f"/sources/{source.pk}/schedule/", {"schedule_time": "02:00", "enabled": "on"})
    source.refresh_from_db()
    assert source.enabled and source.next_run_at.astimezone(source.node.zone).time() == time(2, 0)


def test_a_franchisee_cannot_see_the_page_and_an_executive_cannot_change_it(client, franchisee_user_lille, executive,
                                                                            source):  # fmt: skip
    client.login(username=franchisee_user_lille.email, password=PASSWORD)
    assert client.get("/sources/").status_code == 404
    assert client.get(f"/sources/{source.pk}/").status_code == 404
    assert 'href="/sources/"' not in client.get("/").content.decode()

    client.login(username=executive.email, password=PASSWORD)
    assert client.get("/sources/").status_code == 404
    assert client.post(f"/sources/{source.pk}/sync/").status_code == 403
    assert client.post(f"/sources/{source.pk}/schedule/", {"schedule_time": "05:00"}).status_code == 403
    assert not SyncRun.objects.exists()


def test_an_admin_cannot_see_or_sync_another_networks_source(client, franchisor):
    rival = node_upsert(slug="rival", name="Rival", kind=NodeKind.NETWORK)
    theirs = source_register(slug="rival-drop", kind="csv", node=rival, config={"folder": "/srv/x"})[0]
    client.login(username=franchisor.email, password=PASSWORD)

    assert client.get(f"/sources/{theirs.pk}/").status_code == 404
    assert client.post(f"/sources/{theirs.pk}/sync/").status_code == 404
    assert "rival-drop" not in client.get("/sources/").content.decode()


def test_freshness_says_when_data_was_synced_and_warns_in_words(client, franchisee_user_lille, franchisee_lille,
                                                                 source):  # fmt: skip
    finished_run(source, SyncStatus.SUCCEEDED, hours_ago=3)
    client.login(username=franchisee_user_lille.email, password=PASSWORD)

    fresh = client.get("/", {"node": "lille"}).content.decode()
    assert '<p class="freshness" role="status">' in fresh and "3\xa0heures" in fresh  # "il y a 3 heures"

    finished_run(source, SyncStatus.FAILED, hours_ago=1, error="boom")
    warned = data_freshness(node=franchisee_lille)
    assert warned.last_run_failed and warned.failing_sources == ("Dépôt Lille",) and not warned.stale


def test_freshness_is_stale_after_26_hours_and_reads_only_the_nodes_branch(franchisee_lille, franchisee_nice, network,
                                                                            source):  # fmt: skip
    finished_run(source, SyncStatus.SUCCEEDED, hours_ago=27)
    nice_source = source_register(slug="drop-nice", kind="csv", node=franchisee_nice, config={"folder": "/srv/n"})[0]
    finished_run(nice_source, SyncStatus.FAILED, hours_ago=1, error="boom")

    lille, nice, whole = (data_freshness(node=n) for n in (franchisee_lille, franchisee_nice, network))

    assert lille.stale and not lille.last_run_failed  # Nice's failure is not Lille's business
    assert nice.last_run_failed and nice.stale and nice.last_success_at is None
    assert whole.failing_sources == ("drop-nice",) and whole.last_success_at.tzinfo is not None
    assert not data_freshness(node=network, now=datetime(2000, 1, 1, tzinfo=UTC)).stale


def test_a_node_without_sources_shows_no_freshness(franchisee_roubaix):
    assert data_freshness(node=franchisee_roubaix).has_sources is False


def test_a_franchisee_never_sees_other_franchisees_failing_sources_on_the_board(client, franchisee_user_lille,
                                                                              franchisee_nice):  # fmt: skip
    other = source_register(slug="drop-nice", kind="csv", node=franchisee_nice, config={"folder": "/srv/n"},
                            name="Secret Nice feed")[0]  # fmt: skip
    finished_run(other, SyncStatus.FAILED, hours_ago=1, error="boom")
    client.login(username=franchisee_user_lille.email, password=PASSWORD)

    assert "Secret Nice feed" not in client.get("/").content.decode()
