"""Sending reports: deliveries created by the dispatcher when a send has come, e-mails only after its commit, once per
recipient and period however often the dispatcher or a send task runs, transient mail failures retried and others
recorded, and the unsubscribed left alone. A real worker sends through Redis."""

import os
import re
import tempfile
import uuid
from datetime import UTC, date, datetime, time, timedelta
from smtplib import SMTPRecipientsRefused, SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import connection, transaction

from dashboard.constants import ReportCadence
from dashboard.models import DeliveryStatus, ReportDelivery
from dashboard.reports.delivery import TransientSendError, report_delivery_send, reports_dispatch_due
from dashboard.reports.services import report_create, report_subscription_set
from dashboard.tasks import send_report_delivery
from tests.helpers import celery_worker, tasks_routed_to, wait_for

pytestmark = pytest.mark.django_db

APRIL_FIRST = datetime(2026, 4, 1, 6, 5, tzinfo=UTC)  # 08:05 in Paris: the March report is due


@pytest.fixture
def monthly(report_world, network, franchisor, executive, franchisee_user_lille):
    return report_create(name="Rapport mensuel", node=network, cadence=ReportCadence.MONTHLY,
                         start_date=date(2026, 3, 1), send_time=time(8),
                         recipients=[executive, franchisee_user_lille], acting_user=franchisor)  # fmt: skip


def test_nothing_is_due_before_the_local_send_time(monthly):
    assert reports_dispatch_due(now=APRIL_FIRST - timedelta(minutes=10)) == []


def test_deliveries_are_written_at_once_and_emails_leave_only_after_commit(monthly, celery_inline,
                                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = reports_dispatch_due(now=APRIL_FIRST)
        assert mail.outbox == []
    assert {(d.recipient.user.email, d.period_start, d.period_end, d.status) for d in created} == {
        ("ceo@acme.example", date(2026, 3, 1), date(2026, 3, 31), DeliveryStatus.PENDING),
        ("lille@acme.example", date(2026, 3, 1), date(2026, 3, 31), DeliveryStatus.PENDING),
    }
    for callback in callbacks:
        callback()

    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("ceo@acme.example", "Rapport mensuel · Acme · 1 – 31 mars 2026"),
        ("lille@acme.example", "Rapport mensuel · Lille · 1 – 31 mars 2026"),
    ]
    assert set(ReportDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_a_rolled_back_dispatch_sends_nothing(monthly, celery_inline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        reports_dispatch_due(now=APRIL_FIRST)
        raise RuntimeError("the beat's transaction failed after the deliveries were written")

    assert ReportDelivery.objects.count() == 0 and mail.outbox == []


def test_the_dispatcher_run_twice_or_later_the_same_day_sends_once(monthly, celery_inline,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = reports_dispatch_due(now=APRIL_FIRST)
    with django_capture_on_commit_callbacks(execute=True):
        again = reports_dispatch_due(now=APRIL_FIRST)
        later = reports_dispatch_due(now=APRIL_FIRST + timedelta(hours=6))

    assert (len(first), again, later) == (2, [], [])
    assert len(mail.outbox) == 2 and ReportDelivery.objects.count() == 2


def test_a_send_task_delivered_twice_sends_once(monthly, django_capture_on_commit_callbacks, celery_inline):
    with django_capture_on_commit_callbacks(execute=False):
        delivery = reports_dispatch_due(now=APRIL_FIRST)[0]

    first = send_report_delivery.delay(delivery.pk).get()
    second = send_report_delivery.delay(delivery.pk).get()

    assert (first, second) == (DeliveryStatus.SENT, None)
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.sent_at is not None


def test_a_transient_mail_failure_is_retried_and_a_refused_address_is_not(monthly, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        busy, refused = reports_dispatch_due(now=APRIL_FIRST)

    def disconnected(message, fail_silently=False):
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMessage, "send", disconnected)
    with pytest.raises(TransientSendError):
        report_delivery_send(delivery_id=busy.pk, retry_left=True)
    busy.refresh_from_db()
    assert (busy.status, busy.attempts, busy.error) == (DeliveryStatus.PENDING, 1,
                                                        "SMTPServerDisconnected: Connection unexpectedly closed")

    def refuses(message, fail_silently=False):
        raise SMTPRecipientsRefused({message.to[0]: (550, b"5.1.1 No such user")})

    monkeypatch.setattr(EmailMessage, "send", refuses)
    assert report_delivery_send(delivery_id=refused.pk, retry_left=True) == DeliveryStatus.FAILED
    refused.refresh_from_db()
    assert refused.status == DeliveryStatus.FAILED and "No such user" in refused.error

    monkeypatch.undo()
    assert report_delivery_send(delivery_id=busy.pk, retry_left=True) == DeliveryStatus.SENT
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [busy.recipient.user.email]


def test_the_unsubscribed_get_no_delivery_and_a_late_unsubscribe_is_skipped(
    monthly, franchisee_user_lille, executive, django_capture_on_commit_callbacks
):
    report_subscription_set(recipient=monthly.recipients.get(user=franchisee_user_lille), subscribed=False)
    with django_capture_on_commit_callbacks(execute=False):
        (delivery,) = reports_dispatch_due(now=APRIL_FIRST)
    assert delivery.recipient.user == executive
    report_subscription_set(recipient=delivery.recipient, subscribed=False)

    assert report_delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SKIPPED
    delivery.refresh_from_db()
    assert delivery.error == "La personne s'est désabonnée ou est partie avant l'envoi." and mail.outbox == []


def test_a_recipient_who_lost_access_is_skipped_saying_why(monthly, franchisee_user_lille,
                                                           django_capture_on_commit_callbacks):
    from accounts.models import RoleAssignment
    from accounts.services import role_revoke

    with django_capture_on_commit_callbacks(execute=False):
        deliveries = reports_dispatch_due(now=APRIL_FIRST)
    role_revoke(assignment=RoleAssignment.objects.get(user=franchisee_user_lille))
    lille = next(d for d in deliveries if d.recipient.user == franchisee_user_lille)

    assert report_delivery_send(delivery_id=lille.pk) == DeliveryStatus.SKIPPED
    lille.refresh_from_db()
    assert lille.error == "lille@acme.example ne voit rien de Acme : cette personne ne reçoit rien."
    assert mail.outbox == []


def test_a_paused_report_sends_nothing(monthly, franchisor):
    from dashboard.reports.services import report_pause_set

    report_pause_set(report=monthly, paused=True, acting_user=franchisor)

    assert reports_dispatch_due(now=APRIL_FIRST) == []


def test_a_delivery_whose_message_was_lost_is_queued_again(monthly, settings, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        reports_dispatch_due(now=APRIL_FIRST)
    queued = []
    monkeypatch.setattr(send_report_delivery, "apply_async", lambda args, kwargs=None: queued.append(*args))

    with django_capture_on_commit_callbacks(execute=True):
        reports_dispatch_due(now=APRIL_FIRST + timedelta(minutes=settings.REPORTS_REQUEUE_AFTER_MINUTES - 1))
    assert queued == []
    with django_capture_on_commit_callbacks(execute=True):
        reports_dispatch_due(now=APRIL_FIRST + timedelta(minutes=settings.REPORTS_REQUEUE_AFTER_MINUTES + 1))

    assert sorted(queued) == sorted(ReportDelivery.objects.values_list("pk", flat=True))


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_each_delivery_once_through_redis(monthly):
    """The dispatcher commits two deliveries and queues their sends through Redis; one more send of each is queued
    by hand, as a broker redelivering them would. The worker sends each once: two sent, two claimed nothing."""
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.skip("needs a real broker (REDIS_URL) and a database the worker shares (PostgreSQL)")
    queue = f"test-reports-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryFile(mode="w+") as log:
        with tasks_routed_to(queue), celery_worker(queue, log) as worker:
            created = reports_dispatch_due(now=APRIL_FIRST)
            for delivery in created:
                send_report_delivery.delay(delivery.pk)
            done = ReportDelivery.objects.filter(status=DeliveryStatus.SENT)
            wait_for(lambda: done.count() == 2, 90, worker)
            wait_for(lambda: len(re.findall(r"send_report_delivery\[[^\]]+\] succeeded", log_text(log))) == 4, 30,
                     worker)  # fmt: skip
        output = log_text(log)

    assert ReportDelivery.objects.filter(status=DeliveryStatus.SENT, attempts=1).count() == 2, output
    results = re.findall(r"Task dashboard\.tasks\.send_report_delivery\[[^\]]+\] succeeded in [\d.]+s: (\S+)", output)
    assert sorted(results) == ["'sent'", "'sent'", "None", "None"], output


def log_text(log):
    log.seek(0)
    return log.read()


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_create_each_delivery_once(monthly, monkeypatch):
    """Two beats by mistake, at the same instant, on PostgreSQL: the unique (report, recipient, period) lets one of
    them write each delivery, and the other one's savepoint gives way without failing its transaction."""
    import threading

    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer at a time: the race needs PostgreSQL")
    queued = []
    monkeypatch.setattr(send_report_delivery, "apply_async", lambda args, kwargs=None: queued.append(*args))
    barrier, results = threading.Barrier(2), []

    def dispatch():
        try:
            barrier.wait(timeout=10)
            results.append(reports_dispatch_due(now=APRIL_FIRST))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(len(created) for created in results) in ([0, 2], [1, 1])
    assert ReportDelivery.objects.count() == 2 and sorted(queued) == sorted(d.pk for r in results for d in r)
