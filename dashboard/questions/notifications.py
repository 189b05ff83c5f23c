"""The e-mail digests of notifications: one e-mail per person with everything that happened on the questions they
follow since their last digest, in their language."""

import uuid

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import ngettext, override

from accounts.queueing import task_queue
from accounts.scoping import restrict
from kpis.catalog import CATALOG

from ..models import Notification


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
            restrict(Notification.objects.filter(digest=digest), recipient, via="thread__node")
            .select_related("thread", "thread__node", "actor", "message")
            .order_by("created_at", "pk")
        )
        if claimed:
            _digest_email(recipient, claimed)
    if Notification.objects.filter(recipient=recipient, emailed_at__isnull=True).exists():
        digest_queue(recipient.pk)
    return len(claimed)


DIGEST_TASK = "dashboard.tasks.notifications_digest_task"


def digest_queue(recipient_id):
    """Queue `recipient_id`'s digest, to go out QUESTIONS_DIGEST_SECONDS from now with whatever is pending then."""
    task_queue(DIGEST_TASK, args=[recipient_id], countdown=settings.QUESTIONS_DIGEST_SECONDS)


def _digest_email(recipient, notifications):
    with override(recipient.language):
        items = [{"notification": n, "kpi": CATALOG[n.thread.kpi], "links": thread_links(n.thread)}
                 for n in notifications]  # fmt: skip
        subject = ngettext("%(count)d new event on the KPI board", "%(count)d new events on the KPI board",
                           len(items)) % {"count": len(items)}  # fmt: skip
        body = render_to_string("dashboard/questions/digest_email.txt", {"user": recipient, "items": items})
        send_mail(subject, body, None, [recipient.email])
