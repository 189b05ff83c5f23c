"""What every run shares (ingestion.runs): the reasons it keeps, its notes, a failed end that zeroes its counts and
tells the network's administrators once committed, a run recorded in one go, and the names the runs' tasks are
queued and scheduled under."""

from datetime import UTC, datetime, timedelta

import pytest
from celery import current_app
from django.conf import settings
from django.core import mail

from accounts.constants import Role
from ingestion.constants import KEPT_REASONS, SyncStatus, SyncTrigger
from ingestion.models import SyncRun
from ingestion.runs import ReasonLog, network_admins, run_fail, run_note_append, run_record, sync_failure_notify
from ingestion.services import source_register
from tests.factories import FranchiseeFactory, NetworkFactory, RegionFactory
from tests.helpers import person

pytestmark = pytest.mark.django_db
STARTED = datetime(2026, 3, 12, 1, 0, tzinfo=UTC)
COUNTS = {"created": 3, "updated": 2, "unchanged": 1, "rejected": 0}


@pytest.fixture
def source(franchisee_lille):
    return source_register(slug="drop-lille", kind="csv", node=franchisee_lille, config={"folder": "/srv/drop"})[0]


def test_a_reason_log_keeps_the_first_reasons_and_counts_them_all():
    reasons = ReasonLog()
    for n in range(1, KEPT_REASONS + 4):
        reasons(f"line {n}: bad")

    lines = reasons.text().splitlines()
    assert reasons.count == KEPT_REASONS + 3 and len(lines) == KEPT_REASONS + 1
    assert lines[0] == "line 1: bad" and lines[-2] == f"line {KEPT_REASONS}: bad"
    assert lines[-1] == "… and 3 more"


def test_a_short_reason_log_says_nothing_more():
    reasons = ReasonLog()
    reasons("a")
    reasons("b")

    assert (reasons.count, reasons.text()) == (2, "a\nb")


def test_notes_are_appended_one_time_stamped_line_each(source):
    run = SyncRun(source=source, trigger=SyncTrigger.MANUAL)

    run_note_append(run=run, text="first")
    run_note_append(run=run, text="second")

    first, second = run.notes.splitlines()
    assert first.endswith(" UTC first") and second.endswith(" UTC second")


def test_a_failed_run_counts_nothing_written_and_tells_the_admins_after_commit(
    source, franchisor, celery_inline, django_capture_on_commit_callbacks
):
    run = SyncRun.objects.create(source=source, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.RUNNING, attempt=1,
                                 started_at=STARTED, **COUNTS)  # fmt: skip

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        failed = run_fail(run=run, error="2 record(s) rejected", rejected=2, reasons="line 3: bad\nline 4: bad")
        assert mail.outbox == []
    for callback in callbacks:
        callback()

    stored = SyncRun.objects.get(pk=run.pk)
    assert (stored.status, stored.error, stored.rejected_reasons) == (SyncStatus.FAILED, "2 record(s) rejected",
                                                                      "line 3: bad\nline 4: bad")  # fmt: skip
    assert (stored.created, stored.updated, stored.unchanged, stored.rejected) == (0, 0, 0, 2)
    assert stored.finished_at is not None and stored.duration == stored.finished_at - STARTED
    assert failed.status == SyncStatus.FAILED
    assert [m.to for m in mail.outbox] == [["admin@acme.example"]] and "line 3: bad" in mail.outbox[0].body


def test_a_run_done_in_one_go_is_recorded_and_only_a_failed_one_tells_the_admins(
    source, franchisor, celery_inline, django_capture_on_commit_callbacks
):
    finished = STARTED + timedelta(seconds=2)
    with django_capture_on_commit_callbacks(execute=True):
        good = run_record(source=source, trigger=SyncTrigger.WEBHOOK, queued_at=STARTED, started_at=STARTED,
                          finished_at=finished, counts=COUNTS, notes="Webhook delivery 1 (leads).")  # fmt: skip
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        bad = run_record(source=source, trigger=SyncTrigger.WEBHOOK, queued_at=STARTED, started_at=STARTED,
                         finished_at=finished, counts=dict(COUNTS, created=0, updated=0, unchanged=0, rejected=1),
                         error="1 record(s) rejected", reasons="record 1: score: 400 is above 100")  # fmt: skip

    assert (good.status, good.attempt, good.duration, good.rows) == (SyncStatus.SUCCEEDED, 1, timedelta(seconds=2), 6)
    assert (bad.status, bad.rejected, bad.rejected_reasons) == (SyncStatus.FAILED, 1,
                                                                "record 1: score: 400 is above 100")  # fmt: skip
    assert [m.to for m in mail.outbox] == [["admin@acme.example"]]


def test_only_the_active_admins_of_the_sources_network_are_told(source, network, franchisor, region_manager_nord):
    rival = NetworkFactory(slug="rival", name="Rival")
    person("boss@rival.example", Role.FRANCHISOR_ADMIN, rival)
    FranchiseeFactory(slug="rival-shop", parent=RegionFactory(slug="rival-region", parent=rival))
    gone = person("gone@acme.example", Role.FRANCHISOR_ADMIN, network)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    run = SyncRun.objects.create(source=source, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.FAILED, error="x")

    assert [u.email for u in network_admins(network=network)] == ["admin@acme.example"]
    assert sync_failure_notify(run=run) == 1
    assert [m.to for m in mail.outbox] == [["admin@acme.example"]]


def test_a_run_that_did_not_fail_sends_no_notice(source, franchisor):
    run = SyncRun.objects.create(source=source, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.SUCCEEDED)

    assert sync_failure_notify(run=run) == 0 and mail.outbox == []


@pytest.mark.parametrize("name", [
    "ingestion.tasks.sync_source",
    "ingestion.tasks.process_webhook_delivery",
    "ingestion.tasks.notify_sync_failure",
    *(entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()),
    *settings.INGESTION_AFTER_SYNC_TASKS,
])  # fmt: skip
def test_the_names_tasks_are_queued_and_scheduled_under_are_registered(name):
    current_app.autodiscover_tasks(force=True)  # every app's tasks module, as a worker imports them

    assert name in current_app.tasks
