"""Queueing a task by its registered name (accounts.queueing.task_queue): run inline without a broker, sent under
its name with one, found in a process that never imported its tasks module, and a loud failure for a wrong name."""

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from celery import current_app
from celery.exceptions import NotRegistered
from celery.signals import before_task_publish
from django.core import mail
from kombu import Connection

from accounts.queueing import task_queue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def echo():
    """A task registered as tests.queueing.echo; yields what its runs received."""
    received = []

    @current_app.task(name="tests.queueing.echo")
    def echo_task(*args, **kwargs):
        received.append((args, kwargs))
        return len(received)

    yield received
    current_app.tasks.unregister("tests.queueing.echo")


def test_a_task_queued_by_name_runs_inline_without_a_broker(echo, celery_inline):
    result = task_queue("tests.queueing.echo", args=[1, "a"], kwargs={"b": 2})

    assert echo == [((1, "a"), {"b": 2})]
    assert result.get() == 1


@pytest.mark.django_db
def test_the_invitation_queued_by_its_name_is_sent(celery_inline, franchisee_user_lille):
    task_queue("accounts.tasks.send_invitation", args=[franchisee_user_lille.pk])

    assert [message.to for message in mail.outbox] == [["lille@acme.example"]]


def test_with_a_broker_a_task_queued_by_name_is_sent_under_that_name_and_not_run(echo):
    published = []

    def on_publish(sender=None, headers=None, body=None, **kwargs):
        published.append((sender, headers["task"], body[0]))

    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    before_task_publish.connect(on_publish, weak=False)
    try:
        with Connection("memory://") as broker:  # a broker of this process's own, whatever REDIS_URL says
            task_queue("tests.queueing.echo", args=[3], connection=broker, queue=f"test-{uuid.uuid4().hex[:8]}")
    finally:
        before_task_publish.disconnect(on_publish)
        current_app.conf.task_always_eager = eager

    assert published == [("tests.queueing.echo", "tests.queueing.echo", [3])]
    assert echo == []


def test_an_unknown_name_fails_loudly(echo, celery_inline):
    with pytest.raises(NotRegistered, match="tests.queueing.ecco"):
        task_queue("tests.queueing.ecco", args=[1])

    assert echo == []


def test_a_process_that_never_imported_a_tasks_module_finds_its_task_by_name():
    """A web process imports no tasks module of its own accord: the name alone must reach the task."""
    script = textwrap.dedent("""
        import sys

        import django

        django.setup()
        from celery.app.task import Task

        sent = []
        Task.apply_async = lambda self, args=None, kwargs=None, **options: sent.append((self.name, args))
        from accounts.queueing import task_queue

        imported_before = "ingestion.tasks" in sys.modules
        task_queue("ingestion.tasks.worker_heartbeat", args=["web-1"])
        print(imported_before, sent)
    """)
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False [('ingestion.tasks.worker_heartbeat', ['web-1'])]"
