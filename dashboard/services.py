"""Writes of "question this KPI": threads, replies, structured answers, statuses, annotations, KPI owners,
notifications and their e-mail digests, and the automatic questions of the nightly rules; and scheduled reports:
creating and pausing them, subscriptions, dispatching the sends that have come and sending each delivery once.
Every write is atomic; e-mails leave only after the transaction that caused them has committed.
"""

import logging
import uuid
from datetime import timedelta
from smtplib import (
    SMTPConnectError,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPServerDisconnected,
)

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from accounts.constants import PATH_SEPARATOR
from accounts.models import User
from accounts.scoping import audience, restrict
from accounts.selectors import managed_networks, node_network
from kpis.catalog import CATALOG

from .cadence import DEFAULT_SEND_TIME, ReportCadence, sends_due
from .formatting import mentioned_emails
from .models import (
    Annotation,
    DeliveryStatus,
    KpiOwner,
    Mention,
    Message,
    Notification,
    NotificationVerb,
    Report,
    ReportDelivery,
    ReportRecipient,
    Thread,
    ThreadStatus,
)
from .report_render import report_email
from .reports import absolute, report_candidates, report_sample_send, report_send_content, unsubscribe_token
from .rules import finding_text, rules_findings
from .selectors import thread_addressee, thread_can_set_status

MAX_MESSAGE_LENGTH = 5000
logger = logging.getLogger(__name__)


def _check_kpi(kpi, *, blank_allowed=False):
    if not (blank_allowed and kpi == "") and kpi not in CATALOG:
        raise ValidationError({"kpi": _("Unknown KPI %(key)s.") % {"key": kpi}})


def _check_text(text, field="body", *, required=True, limit=MAX_MESSAGE_LENGTH):
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({field: _("Write something first.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(limit)d characters, please.") % {"limit": limit}})
    return text


def _check_can_see(user, node):
    """Callers look the node up through the door; this keeps a service from ever writing for someone who cannot
    see it."""
    if not audience(node).filter(pk=user.pk).exists():
        raise PermissionDenied(_("You cannot see this node."))


@transaction.atomic
def thread_open(*, kpi, node, period, body, author=None, addressee=None, rule=None):
    """Open a question about `kpi` on `node` over `period`, addressed per thread_addressee unless `addressee` is
    given, and notify. `author` is None for an automatic question, which carries `rule`: such a question exists
    at most once per rule, node and period (a unique constraint), and opening it again returns None."""
    _check_kpi(kpi)
    body = _check_text(body)
    if author is not None:
        _check_can_see(author, node)
    if addressee is None:
        addressee = thread_addressee(kpi=kpi, node=node, period=period, asker=author)
    fields = {"kpi": kpi, "node": node, "period_kind": period.kind, "period_start": period.start,
              "period_end": period.end, "author": author, "addressee": addressee}  # fmt: skip
    if rule is None:
        thread = Thread.objects.create(**fields)
    else:
        try:
            with transaction.atomic():  # a savepoint: losing the race leaves the caller's transaction usable
                thread = Thread.objects.create(**fields, rule=rule, rule_key=rule.key)
        except IntegrityError:
            if Thread.objects.filter(rule_key=rule.key, node=node, period_start=period.start,
                                     period_end=period.end).exists():  # fmt: skip
                return None
            raise
    message = _message_add(thread=thread, author=author, body=body)
    verb = NotificationVerb.ASKED if author else NotificationVerb.AUTOMATIC
    _notify(thread=thread, message=message, actor=author, verb=verb, recipients=[addressee])
    return thread


@transaction.atomic
def thread_reply(*, thread, author, body):
    """Add a reply to `thread`; its participants and the people it mentions are notified."""
    _check_can_see(author, thread.node)
    message = _message_add(thread=thread, author=author, body=_check_text(body))
    _touch(thread)
    _notify(thread=thread, message=message, actor=author, verb=NotificationVerb.REPLIED,
            recipients=_participants(thread))  # fmt: skip
    return message


@transaction.atomic
def thread_answer(*, thread, author, observation, analysis, recommendation, body=""):
    """Answer `thread` in the Observation -> Analysis -> Recommendation form; an open question becomes
    answered."""
    _check_can_see(author, thread.node)
    parts = {name: _check_text(value, name, required=False)
             for name, value in (("observation", observation), ("analysis", analysis),
                                 ("recommendation", recommendation))}  # fmt: skip
    if not any(parts.values()):
        raise ValidationError({"observation": _("An answer needs an observation, an analysis or a recommendation.")})
    message = _message_add(thread=thread, author=author, body=_check_text(body, required=False), **parts)
    if thread.status == ThreadStatus.OPEN:
        thread.status = ThreadStatus.ANSWERED
    _touch(thread, "status")
    _notify(thread=thread, message=message, actor=author, verb=NotificationVerb.ANSWERED,
            recipients=_participants(thread))  # fmt: skip
    return message


@transaction.atomic
def thread_status_set(*, thread, status, acting_user):
    """Mark `thread` open, answered or resolved. PermissionDenied for someone who sees it but may not."""
    status = ThreadStatus(status)
    if not thread_can_set_status(thread=thread, user=acting_user):
        raise PermissionDenied(_("Only the asker, the person it is addressed to or a manager may do this."))
    if thread.status == status:
        return thread
    thread.status = status
    _touch(thread, "status")
    _notify(thread=thread, message=None, actor=acting_user, verb=NotificationVerb.STATUS_CHANGED,
            recipients=_participants(thread))  # fmt: skip
    return thread


def _touch(thread, *fields):
    thread.updated_at = timezone.now()
    thread.save(update_fields=["updated_at", *fields])


def _message_add(*, thread, author, body, **structured):
    message = Message.objects.create(thread=thread, author=author, body=body, **structured)
    text = "\n".join([body, *structured.values()])
    emails = mentioned_emails(text)
    if emails:
        # Only people who can see the node become mentions: naming anyone else tells them nothing.
        people = audience(thread.node).filter(email__in=emails).exclude(pk=getattr(author, "pk", None))
        Mention.objects.bulk_create([Mention(message=message, user=person) for person in people])
    return message


def _participants(thread):
    """Who follows a thread: its asker, its addressee and everyone who wrote in it."""
    ids = {thread.author_id, thread.addressee_id}
    ids |= set(thread.messages.exclude(author=None).values_list("author_id", flat=True))
    return list(User.objects.filter(pk__in=ids - {None}))


def _notify(*, thread, message, actor, verb, recipients):
    """One notification per person per event, in the event's transaction; the people mentioned in `message` are
    told they were mentioned. Nobody is told of their own doing, nor of a thread they can no longer see."""
    verbs = {user.pk: verb for user in recipients if user is not None}
    if message is not None:
        verbs.update({user.pk: NotificationVerb.MENTIONED for user in message.mentions.all()})
    verbs.pop(getattr(actor, "pk", None), None)
    allowed = set(audience(thread.node).filter(pk__in=verbs).values_list("pk", flat=True))
    created = Notification.objects.bulk_create([
        Notification(recipient_id=pk, thread=thread, message=message, actor=actor, verb=verbs[pk])
        for pk in sorted(allowed)
    ])  # fmt: skip
    for notification in created:
        transaction.on_commit(lambda n=notification: _digest_queue(n.recipient_id, n.pk))


def _digest_queue(recipient_id, notification_id):
    """After commit: the first pending notification of a person queues their digest, sent DIGEST seconds later
    with everything pending by then. A person with an earlier pending notification already has one queued (the
    digest itself queues another if it leaves anything behind)."""
    from .tasks import notifications_digest_task  # tasks import this module

    earlier = Notification.objects.filter(recipient_id=recipient_id, emailed_at__isnull=True, pk__lt=notification_id)
    if not earlier.exists():
        notifications_digest_task.apply_async(args=[recipient_id], countdown=settings.QUESTIONS_DIGEST_SECONDS)


def notifications_mark_read(*, user, thread=None):
    """Mark `user`'s notifications read: all of them, or those of `thread`."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if thread is not None:
        unread = unread.filter(thread=thread)
    return unread.update(read_at=timezone.now())


def thread_links(thread):
    """Absolute links to a thread and to the KPI page of its tile, for e-mails."""
    query = {"node": thread.node.slug, "period": thread.period_kind}
    if thread.period_kind == "custom":
        query.update(start=thread.period_start.isoformat(), end=thread.period_end.isoformat())
    return {
        "thread": settings.SITE_URL + reverse("dashboard:thread", args=[thread.pk]),
        "kpi": settings.SITE_URL + reverse("dashboard:kpi", args=[thread.kpi]) + "?" + urlencode(query),
    }


def notification_digest_send(*, recipient):
    """Send `recipient` one e-mail with every notification not e-mailed yet, and mark them e-mailed.

    The claim is one conditional UPDATE (only rows still un-e-mailed), so two workers never send the same
    notification twice; the e-mail leaves inside the claim's transaction, so a failed send leaves them pending for
    the retry. Notifications about threads the person can no longer see are marked but not sent. Returns how many
    the e-mail held."""
    digest = uuid.uuid4()
    with transaction.atomic():
        Notification.objects.filter(recipient=recipient, emailed_at__isnull=True).update(
            emailed_at=timezone.now(), digest=digest
        )
        claimed = list(
            restrict(Notification.objects.filter(digest=digest), recipient, node_field="thread__node")
            .select_related("thread", "thread__node", "actor", "message")
            .order_by("created_at", "pk")
        )
        if claimed:
            _digest_email(recipient, claimed)
    if Notification.objects.filter(recipient=recipient, emailed_at__isnull=True).exists():
        from .tasks import notifications_digest_task

        notifications_digest_task.apply_async(args=[recipient.pk], countdown=settings.QUESTIONS_DIGEST_SECONDS)
    return len(claimed)


def _digest_email(recipient, notifications):
    with override(recipient.language):
        items = [{"notification": n, "kpi": CATALOG[n.thread.kpi], "links": thread_links(n.thread)}
                 for n in notifications]  # fmt: skip
        subject = ngettext("%(count)d new event on the KPI board", "%(count)d new events on the KPI board",
                           len(items)) % {"count": len(items)}  # fmt: skip
        body = render_to_string("dashboard/questions/digest_email.txt", {"user": recipient, "items": items})
        send_mail(subject, body, None, [recipient.email])


@transaction.atomic
def annotation_add(*, kpi, node, day, text, author):
    """A dated note on `node` about `kpi` ("" for every KPI). Only people who may change things on the node
    (not a read-only role) may add one."""
    _check_kpi(kpi, blank_allowed=True)
    text = _check_text(text, "text", limit=Annotation._meta.get_field("text").max_length)
    if not audience(node, writers_only=True).filter(pk=author.pk).exists():
        raise PermissionDenied(_("Your role is read-only here."))
    return Annotation.objects.create(kpi=kpi, node=node, day=day, text=text, author=author)


@transaction.atomic
def kpi_owner_set(*, kpi, node, user):
    """Make `user` responsible for `kpi` on `node`: questions there go to them when no objective names an owner."""
    _check_kpi(kpi)
    if not audience(node).filter(pk=user.pk).exists():
        raise ValidationError({"user": _("%(email)s cannot see %(node)s.") % {"email": user.email, "node": node}})
    owner, _created = KpiOwner.objects.update_or_create(kpi=kpi, node=node, defaults={"user": user})
    return owner


def automatic_questions_run(*, network, today):
    """Evaluate the network's rules on the month that contains `today` and open a question for each finding, in
    the addressee's language, with the figures in its text: once per rule, node and period however many times
    (or however concurrently) this runs. Returns the threads opened now."""
    opened = []
    for finding in rules_findings(network=network, today=today):
        period = finding.period
        if Thread.objects.filter(rule_key=finding.rule.key, node=finding.node, period_start=period.start,
                                 period_end=period.end).exists():  # fmt: skip
            continue
        addressee = thread_addressee(kpi=finding.kpi, node=finding.node, period=period)
        with override(addressee.language if addressee else settings.LANGUAGE_CODE):
            body = finding_text(finding)
        thread = thread_open(kpi=finding.kpi, node=finding.node, period=period, body=body, addressee=addressee,
                             rule=finding.rule)  # fmt: skip
        if thread is not None:
            opened.append(thread)
    return opened


# Scheduled reports ---------------------------------------------------------------------------------------------------


class TransientSendError(Exception):
    """The mail server could not take a report now (down, busy, a 4xx answer): the send task tries again later."""


def _check_manages(user, node):
    if not managed_networks(user=user).filter(path=PATH_SEPARATOR + node.network_slug + PATH_SEPARATOR).exists():
        raise PermissionDenied(_("Only the network's administrators manage its reports."))


@transaction.atomic
def report_create(*, name, node, cadence, start_date, recipients, acting_user, send_time=None):
    """A report on `node` for `recipients` (people who can see something of it). PermissionDenied for anyone but
    the network's administrators; ValidationError naming the person who could not receive it."""
    _check_manages(acting_user, node)
    name = _check_text(name, "name", limit=Report._meta.get_field("name").max_length)
    if not recipients:
        raise ValidationError({"recipients": _("Choose at least one person.")})
    allowed = set(report_candidates(node=node).values_list("pk", flat=True))
    for user in recipients:
        if user.pk not in allowed:
            raise ValidationError({"recipients": _("%(email)s can see nothing of %(node)s.")
                                   % {"email": user.email, "node": node.name}})  # fmt: skip
    report = Report.objects.create(name=name, node=node, cadence=ReportCadence(cadence), start_date=start_date,
                                   send_time=send_time or DEFAULT_SEND_TIME, created_by=acting_user)  # fmt: skip
    ReportRecipient.objects.bulk_create([ReportRecipient(report=report, user=user) for user in recipients])
    return report


@transaction.atomic
def report_pause_set(*, report, paused, acting_user):
    """Pause a report (nothing is sent until it resumes; sends missed meanwhile are not sent late) or resume it."""
    _check_manages(acting_user, report.node)
    Report.objects.filter(pk=report.pk).update(paused=paused)
    report.paused = paused
    return report


@transaction.atomic
def report_subscription_set(*, recipient, subscribed):
    """Unsubscribe from a report (from its e-mail's link) or subscribe again; saying it twice changes nothing."""
    recipient = ReportRecipient.objects.select_for_update().get(pk=recipient.pk)
    if subscribed and recipient.unsubscribed_at is not None:
        recipient.unsubscribed_at = None
        recipient.save(update_fields=["unsubscribed_at"])
    elif not subscribed and recipient.unsubscribed_at is None:
        recipient.unsubscribed_at = timezone.now()
        recipient.save(update_fields=["unsubscribed_at"])
    return recipient


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
    from .tasks import send_report_delivery  # tasks import this module

    send_report_delivery.delay(delivery_id)


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
    return report_message(report=delivery.report, user=user, period=delivery.period, previous=delivery.previous,
                          as_of=delivery.period_end, until=delivery.scheduled_for, recipient=recipient)  # fmt: skip


def report_message(*, report, user, period, previous, as_of, until=None, recipient=None):
    """The e-mail of `report` over `period` for `user`, in their language and scope, or the reason they get none
    (they can see nothing of the node). With `recipient`, it carries that subscription's unsubscribe link."""
    with override(user.language):
        content = report_send_content(report=report, user=user, period=period, previous=previous, as_of=as_of,
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
    message = report_message(report=report, user=user, period=send.period, previous=send.previous,
                             as_of=min(today, send.period.end))  # fmt: skip
    if isinstance(message, str):
        return message
    message.send()
    return None
