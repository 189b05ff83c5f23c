"""The worker heartbeat: run inline by the embedded default, and by a real Celery worker through Redis."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from config.celery import app
from ingestion.models import WorkerHeartbeat
from ingestion.services import worker_heartbeat_record
from ingestion.tasks import worker_heartbeat

ROOT = Path(__file__).resolve().parents[2]
POSTGRESQL_ENGINES = ("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis")


def database_url_of(settings_dict):
    """The DATABASE_URL that points a subprocess at the database this test runs on (the test database)."""
    if settings_dict["ENGINE"] not in POSTGRESQL_ENGINES:
        raise ValueError(f"a worker process cannot share a {settings_dict['ENGINE']} test database")
    credentials = quote(settings_dict["USER"] or "", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = f"{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{settings_dict['NAME']}"


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


def stop(worker):
    worker.terminate()  # warm shutdown
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


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
            wait_for(lambda: WorkerHeartbeat.objects.filter(hostname="ci-worker-test").exists(), worker)
        log.seek(0)
        output = log.read()

    beat = WorkerHeartbeat.objects.filter(hostname="ci-worker-test").first()
    assert beat is not None and beat.beats == 1, f"no heartbeat from the worker within 60 s. Its log:\n{output}"
    assert "Task ingestion.tasks.worker_heartbeat[" in output and "succeeded" in output, output


@contextmanager
def celery_worker(queue, log):
    """A real Celery worker process that consumes only `queue`, on the test database, logging to `log`; stopped,
    and its queue forgotten, on the way out."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test",
               DATABASE_URL=database_url_of(connection.settings_dict))  # fmt: skip
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1", "-Q", queue,
         "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield worker
    finally:
        stop(worker)
        forget_queue(queue)


def wait_for(condition, worker, seconds=60):
    """Poll `condition` until it holds, the worker dies or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and worker.poll() is None and not condition():
        time.sleep(0.25)


def forget_queue(queue):
    """Leave nothing of the test's queue in the shared Redis."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.close()
