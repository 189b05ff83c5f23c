import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from ingestion.models import WorkerHeartbeat
from ingestion.tasks import worker_heartbeat

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_heartbeat_task_run_in_process_counts_beats():
    worker_heartbeat.apply(kwargs={"hostname": "inline"})
    worker_heartbeat.apply(kwargs={"hostname": "inline"})

    assert WorkerHeartbeat.objects.get(hostname="inline").beats == 2


def test_database_url_of_quotes_credentials():
    settings_dict = {"ENGINE": "django.db.backends.postgresql", "NAME": "test_x", "USER": "u", "PASSWORD": "p w",
                     "HOST": "127.0.0.1", "PORT": "5432"}  # fmt: skip
    assert database_url_of(settings_dict) == "postgres://u:p%20w@127.0.0.1:5432/test_x"


def database_url_of(settings_dict):
    """The DATABASE_URL that points a subprocess at the database this test runs on (the test database)."""
    from urllib.parse import quote

    credentials = quote(settings_dict["USER"] or "")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"])
    host = f"{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{settings_dict['NAME']}"


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_runs_a_task_sent_through_redis():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL: a real broker")
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can share with the test: PostgreSQL")
    queue = f"test-{uuid.uuid4().hex[:8]}"  # a queue of its own, so no other worker takes the task
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test",
               DATABASE_URL=database_url_of(connection.settings_dict))  # fmt: skip
    with tempfile.TemporaryFile(mode="w+") as log:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1", "-Q", queue,
             "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            worker_heartbeat.apply_async(kwargs={"hostname": "ci-worker-test"}, queue=queue)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not WorkerHeartbeat.objects.filter(hostname="ci-worker-test"):
                time.sleep(0.5)
            log.seek(0)
            output = log.read()
            assert WorkerHeartbeat.objects.filter(hostname="ci-worker-test").exists(), output
            assert "Task ingestion.tasks.worker_heartbeat[" in output and "succeeded" in output, output
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
