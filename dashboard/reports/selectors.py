"""Reads for managing reports: the Reports page, the dispatcher, the preview and the unsubscribe link."""

from datetime import timedelta

from django.core import signing
from django.db.models import Count, Q

from accounts.models import RoleAssignment, User, in_subtree
from accounts.scoping import audience
from accounts.selectors import node_network

from ..models import Report, ReportRecipient
from .cadence import report_sends

UNSUBSCRIBE_SALT = "dashboard.reports.unsubscribe"


def report_candidates(*, node):
    """The people who may receive a report on `node`: those who can see it, and those who can see something below
    it (they receive their own part)."""
    below = RoleAssignment.objects.filter(in_subtree(node)).values("user_id")
    return (audience(node) | User.objects.filter(is_active=True, pk__in=below)).distinct().order_by("email")


def report_people(*, network):
    """The active people holding a role in `network`: whom an administrator may choose as recipients (the service
    then checks that each can see something of the report's node)."""
    return User.objects.filter(in_subtree(network, via="role_assignments__node"), is_active=True).distinct()


def network_reports(*, network):
    """The reports of `network`'s nodes, with how many people receive each."""
    active = Count("recipients", filter=Q(recipients__unsubscribed_at__isnull=True))
    return Report.objects.filter(in_subtree(network)).select_related("node").annotate(
        subscribed=active).order_by("node__path", "name", "pk")  # fmt: skip


def report_recipients(*, report):
    return report.recipients.select_related("user").order_by("user__email")


def report_deliveries(*, report, limit=50):
    return report.deliveries.select_related("recipient__user")[:limit]


def report_sends_of(*, report, until):
    """The sends of `report` up to the local day `until` (see dashboard.reports.cadence)."""
    network = node_network(node=report.node)
    return report_sends(cadence=report.cadence, start=report.start_date, until=until,
                        fiscal_year_start_month=network.fiscal_year_start_month)  # fmt: skip


def report_sample_send(*, report, today):
    """The send a preview (or "send now to me") shows: the latest one due by `today`, else the first one to come
    (its content then reads the period under way to `today`, as the board does)."""
    # Every cadence sends at least once a fiscal quarter: a little over a quarter ahead always holds the next one.
    sends = report_sends_of(report=report, until=max(today, report.start_date) + timedelta(days=100))
    due = [send for send in sends if send.day <= today]
    return due[-1] if due else sends[0]


def report_next_send(*, report, today):
    """The local day of the next send after `today`, for the Reports page."""
    sends = report_sends_of(report=report, until=max(today, report.start_date) + timedelta(days=100))
    return next((send.day for send in sends if send.day > today), None)


def unsubscribe_token(recipient):
    """The signed token of a recipient's unsubscribe link: it names the subscription, needs no login and never
    expires (an old e-mail's link still works)."""
    return signing.dumps(recipient.pk, salt=UNSUBSCRIBE_SALT)


def recipient_from_token(token):
    """The subscription a token names, or None for a forged, altered or stale one."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return ReportRecipient.objects.select_related("report__node", "user").filter(pk=pk).first()
