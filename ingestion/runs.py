"""The bookkeeping of a source's runs, however the data came: pulled by a sync (ingestion.sync), pushed to a webhook
(ingestion.webhooks), later uploaded in the browser.

Every run leaves a SyncRun row (status, counts, error, the first reasons of rejected records, notes, timings), which
the Data sources page and the board's freshness read alike. A run that fails writes nothing but its row, says why,
and has the network's administrators e-mailed once that row is committed.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.constants import Role
from accounts.models import User, in_subtree
from accounts.queueing import task_queue
from accounts.selectors import node_network

from .constants import KEPT_REASONS, SyncStatus
from .models import SyncRun


class ReasonLog:
    """The first KEPT_REASONS error lines of a run, and how many there were in all."""

    def __init__(self):
        self.lines, self.count = [], 0

    def __call__(self, line):
        self.count += 1
        if len(self.lines) < KEPT_REASONS:
            self.lines.append(line)

    def text(self):
        more = self.count - len(self.lines)
        return "\n".join(self.lines + ([f"… and {more} more"] if more > 0 else []))


def run_note_append(*, run, text):
    """Add a time-stamped line to the run's notes, in memory: the caller saves them with the run."""
    stamp = timezone.now().strftime("%Y-%m-%d %H:%M:%S UTC")
    run.notes = f"{run.notes}\n{stamp} {text}".strip()


@transaction.atomic
def run_fail(*, run, error, rejected=0, reasons=""):
    """End the run as failed because of `error` (with `rejected` records and their `reasons`), and queue the notice
    to the administrators for after commit. Returns the run as saved."""
    run = SyncRun.objects.select_for_update().get(pk=run.pk)
    finished = timezone.now()
    run.status, run.error, run.rejected_reasons, run.finished_at = SyncStatus.FAILED, error, reasons, finished
    run.duration = finished - run.started_at if run.started_at else None
    # Nothing was written: no row counts as created, updated or unchanged.
    run.created = run.updated = run.unchanged = 0
    run.rejected = rejected
    run.save()
    sync_failure_queue_notice(run=run)
    return run


def sync_run_give_up(*, run, reason):
    """Fail a run that no worker manages to finish, so that the source is free for the next one."""
    return run_fail(run=run, error=reason)


def run_record(*, source, trigger, queued_at, started_at, finished_at, counts, error="", reasons="", notes=""):
    """Record a run that was done in one go (a webhook delivery): succeeded, or failed when there is an `error`, in
    which case the administrators get the notice after commit. `counts`: created, updated, unchanged, rejected."""
    run = SyncRun.objects.create(
        source=source, trigger=trigger, status=SyncStatus.FAILED if error else SyncStatus.SUCCEEDED,
        queued_at=queued_at, started_at=started_at, finished_at=finished_at, duration=finished_at - started_at,
        attempt=1, error=error, rejected_reasons=reasons, notes=notes, **counts,
    )  # fmt: skip
    if error:
        sync_failure_queue_notice(run=run)
    return run


def sync_failure_queue_notice(*, run):
    """E-mail the network's administrators about a failed run, once the failure is committed."""
    transaction.on_commit(lambda: task_queue("ingestion.tasks.notify_sync_failure", args=[run.pk]))


def network_admins(*, network):
    """Active franchisor administrators of a network, with an e-mail address."""
    return User.objects.filter(
        in_subtree(network, via="role_assignments__node"), is_active=True,
        role_assignments__role=Role.FRANCHISOR_ADMIN,

    ).distinct()


def sync_failure_notify(*, run):
    """Send each administrator of the source's network, in their language, what failed and where to look."""
    if run.status != SyncStatus.FAILED:
        return 0
    source = run.source
    network = node_network(node=source.node)
    url = settings.SITE_URL + reverse("dashboard:source", args=[source.pk])
    sent = 0
    for admin in network_admins(network=network):
        with override(admin.language):
            subject = _("Sync failed: %(source)s") % {"source": source}
            body = render_to_string("ingestion/sync_failed_email.txt",
                                    {"run": run, "source": source, "network": network, "url": url})  # fmt: skip
        sent += send_mail(subject, body, None, [admin.email])
    return sent
