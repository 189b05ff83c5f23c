"""Writes of "question this KPI": threads, replies, structured answers, statuses, annotations and KPI owners, and
the notifications each event leaves (their e-mail digest is queued once the event commits). Every write is atomic.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scoping import audience
from kpis.catalog import CATALOG

from ..models import Annotation, KpiOwner, Mention, Message, Notification, NotificationVerb, Thread, ThreadStatus
from ..text import check_text
from .formatting import mentioned_emails
from .notifications import digest_queue
from .selectors import thread_addressee, thread_can_set_status


def _check_kpi(kpi, *, blank_allowed=False):
    if not (blank_allowed and kpi == "") and kpi not in CATALOG:
        raise ValidationError({"kpi": _("Unknown KPI %(key)s.") % {"key": kpi}})


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
    body = check_text(body)
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
    message = _message_add(thread=thread, author=author, body=check_text(body))
    _touch(thread)
    _notify(thread=thread, message=message, actor=author, verb=NotificationVerb.REPLIED,
            recipients=_participants(thread))  # fmt: skip
    return message


@transaction.atomic
def thread_answer(*, thread, author, observation, analysis, recommendation, body=""):
    """Answer `thread` in the Observation -> Analysis -> Recommendation form; an open question becomes
    answered."""
    _check_can_see(author, thread.node)
    parts = {name: check_text(value, name, required=False)
             for name, value in (("observation", observation), ("analysis", analysis),
                                 ("recommendation", recommendation))}  # fmt: skip
    if not any(parts.values()):
        raise ValidationError({"observation": _("An answer needs an observation, an analysis or a recommendation.")})
    message = _message_add(thread=thread, author=author, body=check_text(body, required=False), **parts)
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
    earlier = Notification.objects.filter(recipient_id=recipient_id, emailed_at__isnull=True, pk__lt=notification_id)
    if not earlier.exists():
        digest_queue(recipient_id)


def notifications_mark_read(*, user, thread=None):
    """Mark `user`'s notifications read: all of them, or those of `thread`."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if thread is not None:
        unread = unread.filter(thread=thread)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def annotation_add(*, kpi, node, day, text, author):
    """A dated note on `node` about `kpi` ("" for every KPI). Only people who may change things on the node
    (not a read-only role) may add one."""
    _check_kpi(kpi, blank_allowed=True)
    text = check_text(text, "text", limit=Annotation._meta.get_field("text").max_length)
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
