"""Notifications: a row per person per event in the event's transaction; e-mails only after commit, grouped in one
digest per person and window, claimed so that no notification is ever sent twice, in the person's language, with
links back to the thread and the tile."""

import os
import re
import tempfile
import uuid

import pytest
from django.core import mail
from django.db import connection, transaction

from dashboard.models import Notification, NotificationVerb
from dashboard.questions.notifications import notification_digest_send
from dashboard.questions.services import thread_answer, thread_open, thread_reply
from dashboard.tasks import notifications_digest_task
from tests.dashboard.questions.conftest import MARCH
from tests.helpers import celery_worker, tasks_routed_to, wait_for

pytestmark = pytest.mark.django_db


def ask(author, node, body="Why did leads fall?"):
    return thread_open(kpi="leads", node=node, period=MARCH, body=body, author=author)


def test_a_question_notifies_its_addressee_and_mails_only_after_commit(franchisee_lille, franchisee_user_lille,
                                                                       executive, celery_inline,
                                                                       django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ask(executive, franchisee_lille)
        assert Notification.objects.get().recipient == franchisee_user_lille  # written with the question
        assert mail.outbox == []
    for callback in callbacks:
        callback()

    assert [m.to for m in mail.outbox] == [["lille@acme.example"]]


def test_a_rolled_back_question_sends_nothing(franchisee_lille, franchisee_user_lille, executive, celery_inline,
                                             django_capture_on_commit_callbacks):
    rolled_back = pytest.raises(RuntimeError)
    with django_capture_on_commit_callbacks(execute=True), rolled_back, transaction.atomic():
        ask(executive, franchisee_lille)
        raise RuntimeError("the request failed after the question was written")

    assert Notification.objects.count() == 0 and mail.outbox == []


def test_three_events_in_a_window_make_one_email(franchisee_lille, franchisee_user_lille, region_manager_nord,
                                                 executive, django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False):  # the broker holds the delayed digest meanwhile
        first = ask(executive, franchisee_lille, "First question")
        thread_reply(thread=first, author=executive, body="Any news?")
        ask(region_manager_nord, franchisee_lille, "Second question, @lille@acme.example")

    sent = notification_digest_send(recipient=franchisee_user_lille)

    assert sent == 3 and len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "First question" in body and "Any news?" in body and "Second question" in body
    assert len({n.digest for n in Notification.objects.filter(recipient=franchisee_user_lille)}) == 1
    assert notification_digest_send(recipient=franchisee_user_lille) == 0 and len(mail.outbox) == 1


def test_only_the_first_pending_event_of_a_person_queues_a_digest(franchisee_lille, franchisee_user_lille, executive,
                                                                  django_capture_on_commit_callbacks,
                                                                  monkeypatch):  # fmt: skip
    queued = []
    monkeypatch.setattr(notifications_digest_task, "apply_async",
                        lambda args, kwargs=None, *, countdown: queued.append(args))  # fmt: skip

    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            ask(executive, franchisee_lille, f"Question {n}")

    assert queued == [[franchisee_user_lille.pk]]


def test_the_digest_speaks_the_persons_language_and_links_back(franchisee_lille, franchisee_user_lille, executive,
                                                               region_manager_nord, settings):  # fmt: skip
    settings.SITE_URL = "https://kpi.example.com"
    franchisee_user_lille.language = "en"
    franchisee_user_lille.save()
    thread = thread_open(kpi="new_customers", node=franchisee_lille, period=MARCH, body="Why?", author=executive)
    thread_reply(thread=thread, author=executive, body="@nord@acme.example, any idea?")

    notification_digest_send(recipient=franchisee_user_lille)
    notification_digest_send(recipient=region_manager_nord)  # French, the default

    english, french = mail.outbox
    assert english.subject == "2 new events on the KPI board" and "New customers · Lille" in english.body
    assert f"https://kpi.example.com/questions/{thread.pk}/" in english.body
    assert "https://kpi.example.com/kpi/new_customers/?node=lille&period=month" in english.body
    assert "Nouveaux clients · Lille" in french.body and french.to == ["nord@acme.example"]


def test_people_are_notified_of_replies_answers_and_mentions_but_not_of_their_own(franchisee_lille,
                                                                                  franchisee_user_lille, executive,
                                                                                  region_manager_nord):  # fmt: skip
    thread = ask(executive, franchisee_lille)
    thread_answer(thread=thread, author=franchisee_user_lille, observation="Leads fell 10 %",
                  analysis="The call centre was closed", recommendation="Call back in the evening")  # fmt: skip
    thread_reply(thread=thread, author=executive, body="Thanks, @nord@acme.example: see this")

    events = list(Notification.objects.order_by("pk").values_list("recipient__email", "verb"))
    assert events == [
        ("lille@acme.example", NotificationVerb.ASKED),
        ("ceo@acme.example", NotificationVerb.ANSWERED),
        ("lille@acme.example", NotificationVerb.REPLIED),
        ("nord@acme.example", NotificationVerb.MENTIONED),
    ]
    thread.refresh_from_db()
    assert thread.status == "answered"


def test_a_digest_skips_what_its_recipient_can_no_longer_see(franchisee_lille, franchisee_user_lille, executive):
    from accounts.models import RoleAssignment
    from accounts.services import role_revoke

    ask(executive, franchisee_lille)
    role_revoke(assignment=RoleAssignment.objects.get(user=franchisee_user_lille))

    assert notification_digest_send(recipient=franchisee_user_lille) == 0 and mail.outbox == []
    assert Notification.objects.get().emailed_at is not None  # claimed, never to be sent later


def test_the_digest_task_of_a_person_gone_does_nothing(celery_inline):
    assert notifications_digest_task.delay(987654).get() == 0


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_one_digest_for_three_events_after_the_window(franchisee_lille, franchisee_user_lille,
                                                                          executive, settings):  # fmt: skip
    """Through Redis: the first event queues one delayed digest; the worker sends it once the window has passed,
    with all three events (they share one digest id), and the other events queued nothing more."""
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.skip("needs a real broker (REDIS_URL) and a database the worker shares (PostgreSQL)")
    settings.QUESTIONS_DIGEST_SECONDS = 3
    queue = f"test-digest-{uuid.uuid4().hex[:8]}"
    pending = Notification.objects.filter(recipient=franchisee_user_lille)
    with tempfile.TemporaryFile(mode="w+") as log:
        with tasks_routed_to(queue), celery_worker(queue, log) as worker:
            thread = ask(executive, franchisee_lille, "One")
            thread_reply(thread=thread, author=executive, body="Two")
            thread_reply(thread=thread, author=executive, body="Three")
            assert pending.count() == 3 and not pending.filter(emailed_at__isnull=False).exists()
            wait_for(lambda: not pending.filter(emailed_at__isnull=True).exists(), 60, worker)
        log.seek(0)
        output = log.read()

    assert pending.filter(emailed_at__isnull=True).count() == 0, output
    assert len({n.digest for n in pending}) == 1, output
    succeeded = re.findall(r"Task dashboard\.tasks\.notifications_digest_task\[[^\]]+\] succeeded in [\d.]+s: (\d+)",
                           output)  # fmt: skip
    assert succeeded == ["3"], output
