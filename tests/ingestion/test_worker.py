"""The worker heartbeat: run inline by the embedded default, and by a real Celery worker through Redis."""

import os
import socket
import tempfile
import time
import uuid

import pytest
from django.db import connection

from config.celery import app
from ingestion.models import WorkerHeartbeat
from ingestion.services import worker_heartbeat_record
from ingestion.tasks import worker_heartbeat
from tests.helpers import celery_worker, database_url_of, forget_queue, start_worker, stop, wait_for


@pytest.mark.django_db
@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="with REDIS_URL, tasks go to the broker")
def test_without_a_broker_a_queued_heartbeat_runs_at_once():
    worker_heartbeat.delay(hostname="x")
    first = WorkerHeartbeat.objects.get(hostname="x")
    worker_heartbeat.delay(hostname="x")

    again = WorkerHeartbeat.objects.get(hostname="x")
    assert (first.beats, again.beats) == (1, 2)
    assert again.seen_at >= first.seen_at


@pytest.mark.django_db
def test_heartbeats_are_counted_per_worker(celery_inline):
    for hostname in ("a", "b", "a"):
        worker_heartbeat.delay(hostname=hostname)

    assert dict(WorkerHeartbeat.objects.values_list("hostname", "beats")) == {"a": 2, "b": 1}


@pytest.mark.django_db
def test_a_heartbeat_without_a_hostname_is_the_machines(celery_inline):
    assert worker_heartbeat.delay().get() == socket.gethostname()

    assert WorkerHeartbeat.objects.get().hostname == socket.gethostname()


@pytest.mark.django_db
def test_recording_a_heartbeat_moves_last_seen_forward():
    first = worker_heartbeat_record(hostname="w")
    WorkerHeartbeat.objects.filter(pk=first.pk).update(seen_at=first.seen_at.replace(year=2020))

    again = worker_heartbeat_record(hostname="w")

    assert again.pk == first.pk and again.beats == 2 and again.seen_at > first.seen_at.replace(year=2020)


def test_database_url_of_quotes_credentials():
    settings_dict = {"ENGINE": "django.db.backends.postgresql", "NAME": "test_x", "USER": "u", "PASSWORD": "p w/@",
                     "HOST": "127.0.0.1", "PORT": "5432"}  # fmt: skip

    assert database_url_of(settings_dict) == "postgres://u:p%20w%2F%40@127.0.0.1:5432/test_x"
    assert database_url_of({**settings_dict, "PASSWORD": "", "HOST": "", "PORT": ""}) == (
        "postgres://u@localhost:5432/test_x"
    )
    with pytest.raises(ValueError):
        database_url_of({**settings_dict, "ENGINE": "django.db.backends.sqlite3"})


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_runs_a_heartbeat_sent_through_redis():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL: a real broker")
    if connection.vendor != "postgresql":
        pytest.skip("the worker process must share the test database: PostgreSQL only (SQLite's is in memory)")
    assert not app.conf.task_always_eager, "the task would run in this process, not in the worker"
    queue = f"test-heartbeat-{uuid.uuid4().hex[:8]}"  # a queue of its own: no other worker takes the task
    with tempfile.TemporaryFile(mode="w+") as log:
        with celery_worker(queue, log) as worker:
            worker_heartbeat.apply_async(kwargs={"hostname": "ci-worker-test"}, queue=queue)
            wait_for(lambda: WorkerHeartbeat.objects.filter(hostname="ci-worker-test").exists(), 60, worker)
        log.seek(0)
        output = log.read()

    beat = WorkerHeartbeat.objects.filter(hostname="ci-worker-test").first()
    assert beat is not None and beat.beats == 1, f"no heartbeat from the worker within 60 s. Its log:\n{output}"
    assert "Task ingestion.tasks.worker_heartbeat[" in output and "succeeded" in output, output


# Syncs through a real worker ------------------------------------------------------------------------------------------
@pytest.fixture
def real_worker_queue():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL: a real broker")
    if connection.vendor != "postgresql":
        pytest.skip("the worker process must share the test database: PostgreSQL only (SQLite's is in memory)")
    queue = f"test-sync-{uuid.uuid4().hex[:8]}"
    default = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # what this process queues goes to the test's own queue
    yield queue
    app.conf.task_default_queue = default
    forget_queue(queue)
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete("unacked", "unacked_index")  # what a killed worker left unacknowledged
    client.close()


def export(first, count):
    return {"conversations": [{"id": f"w-{n}", "started_at": "2026-03-10T10:00:00Z", "channel": "chatbot",
                               "contact_captured": n % 2 == 0} for n in range(first, first + count)]}  # fmt: skip


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_nightly_dispatcher_and_a_sync_run_end_to_end_on_a_real_worker(real_worker_queue, franchisee_lille):
    from ingestion.constants import SyncStatus, SyncTrigger
    from ingestion.models import DataSource, SyncRun
    from ingestion.services import source_register
    from ingestion.tasks import dispatch_due_syncs
    from kpis.models import Conversation, DailyRollup

    from .conftest import Provider

    provider = Provider()
    provider.on("GET", "/export", (200, {**export(0, 5), "next": f"{provider.url}/export?page=2"}),
                (200, {**export(5, 3), "next": None}))  # fmt: skip
    source = source_register(slug="bot-lille", kind="chatbot", node=franchisee_lille,
                             config={"url": provider.url + "/export"}, secret="tok")[0]  # fmt: skip
    DataSource.objects.filter(pk=source.pk).update(next_run_at=source.next_run_at.replace(year=2020))
    with tempfile.TemporaryFile(mode="w+") as log:
        worker = start_worker(real_worker_queue, log)
        try:
            dispatch_due_syncs.delay()  # what beat sends every five minutes
            done = wait_for(lambda: SyncRun.objects.filter(status=SyncStatus.SUCCEEDED).exists(), 90, worker)
        finally:
            stop(worker)
            provider.close()
        log.seek(0)
        output = log.read()

    assert done, f"no successful sync within 90 s. Worker log:\n{output}"
    run = SyncRun.objects.get()
    assert (run.trigger, run.created, run.attempt) == (SyncTrigger.SCHEDULE, 8, 1)
    assert Conversation.objects.count() == 8
    assert DailyRollup.objects.filter(node_path="/acme/nord/lille/", conversations=8).exists()
    assert "ingestion.tasks.sync_source" in output


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_sync_loses_nothing_and_duplicates_nothing(real_worker_queue,
                                                                                      franchisee_lille):  # fmt: skip
    import signal
    import threading

    from ingestion.constants import SyncStatus, SyncTrigger
    from ingestion.models import SyncRun
    from ingestion.services import source_register, sync_queue
    from kpis.models import Conversation, DailyRollup

    from .conftest import Provider

    reached_page_two, release = threading.Event(), threading.Event()

    def pages(request):
        if request["query"].get("page") != ["2"]:
            # more than one import chunk (2,000 rows): rows are already written, uncommitted, when the worker dies
            return 200, {**export(0, 2500), "next": f"{provider.url}/export?page=2"}, {}
        reached_page_two.set()
        release.wait(60)  # the first worker waits here, in the middle of its transaction, until it is killed
        return 200, {**export(2500, 10), "next": None}, {}

    provider = Provider()
    provider.on("GET", "/export", pages)
    source = source_register(slug="bot-lille", kind="chatbot", node=franchisee_lille,
                             config={"url": provider.url + "/export"}, secret="tok")[0]  # fmt: skip
    with tempfile.TemporaryFile(mode="w+") as log:
        first = start_worker(real_worker_queue, log, CELERY_VISIBILITY_TIMEOUT="5")
        second = None
        try:
            sync_queue(source=source, trigger=SyncTrigger.MANUAL)  # queued for the workers once committed
            assert reached_page_two.wait(60), "the first worker never reached page 2"
            time.sleep(0.5)
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
            run = SyncRun.objects.get()
            assert (run.status, run.attempt, Conversation.objects.count()) == (SyncStatus.RUNNING, 1, 0)

            release.set()
            second = start_worker(real_worker_queue, log, CELERY_VISIBILITY_TIMEOUT="5")
            done = wait_for(lambda: SyncRun.objects.filter(status=SyncStatus.SUCCEEDED).exists(), 120, second)
        finally:
            release.set()
            if first.poll() is None:
                first.kill()
            if second is not None:
                stop(second)
            provider.close()
        log.seek(0)
        output = log.read()

    assert done, f"the redelivered sync did not finish. Workers' log:\n{output}"
    run = SyncRun.objects.get()
    assert (run.status, run.attempt, run.created) == (SyncStatus.SUCCEEDED, 2, 2510)
    assert "Attempt 1 was interrupted (its worker was lost)" in run.notes
    assert Conversation.objects.count() == 2510
    assert Conversation.objects.values("external_id").distinct().count() == 2510
    assert sum(DailyRollup.objects.values_list("conversations", flat=True)) == 2510  # counted once, not twice
