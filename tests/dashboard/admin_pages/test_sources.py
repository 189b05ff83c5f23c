"""The Data sources page (dashboard/admin_pages/sources.py): a network's administrators see its sources and their
runs with the reasons of rejected rows, sync one now, change its time of day or pause it; others may not see the page
(404) or change it (403), and another network's sources are out of reach. (The board's freshness line:
tests/dashboard/board/test_home.py; the freshness itself: tests/ingestion/test_selectors.py.)"""

from datetime import time

import pytest

from accounts.constants import NodeKind
from accounts.services import node_upsert
from ingestion.constants import SyncStatus, SyncTrigger
from ingestion.models import DataSource, SyncRun
from ingestion.services import source_register
from tests.helpers import finished_run, log_in

pytestmark = pytest.mark.django_db


def test_an_admin_sees_the_networks_sources_and_a_run_history_with_reasons(client, franchisor, drop_lille):
    finished_run(drop_lille, SyncStatus.FAILED, hours_ago=1, error="1 record(s) rejected; nothing was written",
                 rejected=1, rejected_reasons="drop-lille:leads.csv line 3: revenue: -5 is negative")  # fmt: skip
    log_in(client, franchisor)

    page = client.get("/sources/").content.decode()
    detail = client.get(f"/sources/{drop_lille.pk}/").content.decode()

    assert "Dépôt Lille" in page and 'href="/sources/"' in page  # the top navigation links the page for admins
    assert "leads.csv line 3: revenue: -5 is negative" in detail


def test_sync_now_queues_a_run_that_a_worker_runs_after_commit(client, franchisor, drop_lille, tmp_path, celery_inline,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    DataSource.objects.filter(pk=drop_lille.pk).update(config={"folder": str(tmp_path)})
    log_in(client, franchisor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/sources/{drop_lille.pk}/sync/")

    assert response.status_code == 302
    run = SyncRun.objects.get()
    assert (run.trigger, run.status) == (SyncTrigger.MANUAL, SyncStatus.SUCCEEDED)


def test_an_admin_changes_the_time_of_day_and_pauses_a_source(client, franchisor, drop_lille):
    log_in(client, franchisor)

    client.post(f"/sources/{drop_lille.pk}/schedule/", {"schedule_time": "03:30", "enabled": ""})

    drop_lille.refresh_from_db()
    assert (drop_lille.schedule_time, drop_lille.enabled) == (time(3, 30), False)
    client.post(f"/sources/{drop_lille.pk}/schedule/", {"schedule_time": "02:00", "enabled": "on"})
    drop_lille.refresh_from_db()
    assert drop_lille.enabled and drop_lille.next_run_at.astimezone(drop_lille.node.zone).time() == time(2, 0)


def test_a_franchisee_cannot_see_the_page_and_an_executive_cannot_change_it(client, franchisee_user_lille, executive,
                                                                            drop_lille):  # fmt: skip
    log_in(client, franchisee_user_lille)
    assert client.get("/sources/").status_code == 404
    assert client.get(f"/sources/{drop_lille.pk}/").status_code == 404
    assert 'href="/sources/"' not in client.get("/").content.decode()

    log_in(client, executive)
    assert client.get("/sources/").status_code == 404
    assert client.post(f"/sources/{drop_lille.pk}/sync/").status_code == 403
    assert client.post(f"/sources/{drop_lille.pk}/schedule/", {"schedule_time": "05:00"}).status_code == 403
    assert not SyncRun.objects.exists()


def test_an_admin_cannot_see_or_sync_another_networks_source(client, franchisor):
    rival = node_upsert(slug="rival", name="Rival", kind=NodeKind.NETWORK)
    theirs = source_register(slug="rival-drop", kind="csv", node=rival, config={"folder": "/srv/x"})[0]
    log_in(client, franchisor)

    assert client.get(f"/sources/{theirs.pk}/").status_code == 404
    assert client.post(f"/sources/{theirs.pk}/sync/").status_code == 404
    assert "rival-drop" not in client.get("/sources/").content.decode()
