"""Writes on scheduled reports: creating one, pausing and resuming it, subscribing and unsubscribing. Sending them is
dashboard.reports.delivery."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import managed_networks

from ..constants import DEFAULT_SEND_TIME, ReportCadence
from ..models import Report, ReportRecipient
from ..text import check_text
from .selectors import report_candidates


def _check_manages(user, node):
    if not managed_networks(user=user).filter(path=node.network_path).exists():
        raise PermissionDenied(_("Only the network's administrators manage its reports."))


@transaction.atomic
def report_create(*, name, node, cadence, start_date, recipients, acting_user, send_time=None):
    """A report on `node` for `recipients` (people who can see something of it). PermissionDenied for anyone but
    the network's administrators; ValidationError naming the person who could not receive it."""
    _check_manages(acting_user, node)
    name = check_text(name, "name", limit=Report._meta.get_field("name").max_length)
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
