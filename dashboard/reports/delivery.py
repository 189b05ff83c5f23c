"""Sending scheduled reports: the dispatcher creates each send's deliveries once (one per subscribed recipient) and
queues them after commit; each delivery is claimed, rendered for its recipient (scope and language) and sent once.
Also "send now to me"."""

import logging
from datetime import timedelta
from smtplib import SMTPConnectError, SMTPRecipientsRefused, SMTPResponseException, SMTPServerDisconnected

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.queueing import task_queue
from accounts.selectors import node_network

from ..models import DeliveryStatus, Report, ReportDelivery
from .cadence import sends_due
from .content import absolute, report_send_content
from .render import report_email
from .selectors import report_sample_send, unsubscribe_token

logger = logging.getLogger(__name__)


class TransientSendError(Exception):
    """The mail server could not take a report now (down, busy, a 4xx answer): the send task tries again later."""


def reports_dispatch_due(*, now=None):
    """Create the deliveries of every report send that has come (within REPORTS_CATCH_UP_HOURS: a send missed for
    longer is not sent late), one per subscribed recipient, in one transaction, and queue one send task each once it
    commits. The unique (report, recipient, period) makes a second run, or two at once, create nothing more. Also
    queues again the deliveries still pending REPORTS_REQUEUE_AFTER_MINUTES after they were queued (their broker
    message was lost): the send claims its delivery, so a duplicate does nothing. Returns the deliveries created."""
    now = now or timezone.now()
    window = timedelta(hours=settings.REPORTS_CATCH_UP_HOURS)
    created = []
    with transaction.atomic():
        for report in Report.objects.filter(paused=False).select_related("node"):
            network = node_network(node=report.node)
            due = sends_due(cadence=report.cadence, start=report.start_date, time_of_day=report.send_time,
                            zone=network.zone, now=now, window=window,
                            fiscal_year_start_month=network.fiscal_year_start_month)  # fmt: skip
            for send, moment in due:
                created += _deliveries_create(report=report, send=send, moment=moment, now=now)
        lost = now - timedelta(minutes=settings.REPORTS_REQUEUE_AFTER_MINUTES)
        stale = ReportDelivery.objects.filter(status=DeliveryStatus.PENDING, scheduled_for__gt=now - window,
                                              queued_at__lt=lost)  # fmt: skip
        for delivery in stale:
            if ReportDelivery.objects.filter(pk=delivery.pk, queued_at=delivery.queued_at).update(queued_at=now):
                transaction.on_commit(lambda pk=delivery.pk: _delivery_queue(pk))
    return created


def _deliveries_create(*, report, send, moment, now):
    done = set(ReportDelivery.objects.filter(report=report, period_start=send.period.start)
               .values_list("recipient_id", flat=True))  # fmt: skip
    recipients = report.recipients.filter(unsubscribed_at__isnull=True, user__is_active=True).exclude(pk__in=done)
    created = []
    for recipient in recipients:
        try:
            with transaction.atomic():  # a savepoint: another dispatcher winning the race leaves ours usable
                delivery = ReportDelivery.objects.create(
                    report=report, recipient=recipient, period_start=send.period.start, period_end=send.period.end,
                    previous_start=send.previous.start, previous_end=send.previous.end, scheduled_for=moment,
                    queued_at=now,
                )  # fmt: skip
        except IntegrityError:
            continue
        created.append(delivery)
        transaction.on_commit(lambda pk=delivery.pk: _delivery_queue(pk))
    return created


def _delivery_queue(delivery_id):
    task_queue("dashboard.tasks.send_report_delivery", args=[delivery_id])


def _is_transient(error):
    if isinstance(error, SMTPResponseException) and not isinstance(error, SMTPRecipientsRefused):
        return 400 <= error.smtp_code < 500
    return isinstance(error, SMTPServerDisconnected | SMTPConnectError | ConnectionError | TimeoutError)


def report_delivery_send(*, delivery_id, retry_left=False):
    """Claim one pending delivery, render it for its recipient (scope and language) and send it; mark it sent.

    The claim is a conditional UPDATE, and the e-mail leaves inside the claim's transaction: a second task for the
    same delivery finds nothing to claim (it waits for the first one's commit on PostgreSQL), and a failed send
    rolls the claim back. A transient failure leaves the delivery pending and raises TransientSendError while
    retries are left (`retry_left`); anything else, or the last transient one, marks it failed with the reason.
    A recipient who unsubscribed, left, or can see nothing of the node by now is skipped, saying why. Returns the
    delivery's status, or None when there was nothing to claim."""
    try:
        with transaction.atomic():
            claimed = ReportDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, error="")
            if not claimed:
                return None
            delivery = ReportDelivery.objects.select_related("report__node", "recipient__user").get(pk=delivery_id)
            message = _delivery_message(delivery)
            if isinstance(message, str):
                ReportDelivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.SKIPPED, error=message)
                return DeliveryStatus.SKIPPED
            message.send()
            return DeliveryStatus.SENT
    except Exception as error:
        transient = _is_transient(error)
        status = DeliveryStatus.PENDING if transient and retry_left else DeliveryStatus.FAILED
        ReportDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
            status=status, attempts=F("attempts") + 1, error=f"{type(error).__name__}: {error}"[:2000])
        if status == DeliveryStatus.PENDING:
            raise TransientSendError(str(error)) from error
        logger.exception("Report delivery %s failed", delivery_id)
        return DeliveryStatus.FAILED


def _delivery_message(delivery):
    """The e-mail of a claimed delivery, or the reason it is skipped."""
    recipient, user = delivery.recipient, delivery.recipient.user
    if recipient.unsubscribed_at is not None or not user.is_active:
        return _("The person unsubscribed or left before the send.")
    # Read on the period's last day: a whole period, with the figures its recipients would have seen that day.
    return report_message(report=delivery.report, user=user, period=delivery.period, today=delivery.period_end,
                          until=delivery.scheduled_for, recipient=recipient)  # fmt: skip


def report_message(*, report, user, period, today, until=None, recipient=None):
    """The e-mail of `report` over `period` for `user`, in their language and scope, or the reason they get none
    (they can see nothing of the node). With `recipient`, it carries that subscription's unsubscribe link."""
    with override(user.language):
        content = report_send_content(report=report, user=user, period=period, today=today,
                                      until=until)  # fmt: skip
        if not content.sections:
            return content.nothing_visible
        unsubscribe = one_click = ""
        if recipient is not None:
            unsubscribe = absolute(reverse("dashboard:report-unsubscribe", args=[unsubscribe_token(recipient)]))
            one_click = unsubscribe
        name = f"{slugify(report.name) or 'report'}-{report.node.slug}-{period.start}-{period.end}.pdf"
        return report_email(content, to=user.email, subject=content.title, unsubscribe_url=unsubscribe, pdf_name=name,
                            one_click_url=one_click)  # fmt: skip


def report_send_to(*, report, user, today):
    """"Send now to me": the report's latest send (or its first, under way) to `user` alone, at once; recorded
    nowhere, so the scheduled send still goes out. Returns the reason when they would get nothing."""
    send = report_sample_send(report=report, today=today)
    message = report_message(report=report, user=user, period=send.period, today=today)
    if isinstance(message, str):
        return message
    message.send()
    return None
