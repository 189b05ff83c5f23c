"""Celery tasks: thin, they take ids, fetch fresh, return quietly when the object is gone, and call one service.

Services queue them by name (accounts.queueing.task_queue) and never import this module; each name is set here
explicitly, as the services, the beat schedule (CELERY_BEAT_SCHEDULE) and messages already queued spell it."""

import socket

from celery import shared_task
from django.conf import settings

from .http import TransientError
from .models import SyncRun, WebhookDelivery
from .runs import sync_failure_notify
from .services import syncs_dispatch_due, worker_heartbeat_record
from .sync import sync_run_execute
from .webhooks import webhook_process


@shared_task(name="ingestion.tasks.worker_heartbeat", time_limit=30, soft_time_limit=20)
def worker_heartbeat(hostname=None):
    """Run by beat every few minutes; the row it leaves tells the board that workers are alive."""
    name = hostname or socket.gethostname()
    worker_heartbeat_record(hostname=name)
    return name


@shared_task(
    name="ingestion.tasks.sync_source",
    bind=True,
    # A sync is idempotent (one transaction, upserts by natural key, one lock per source), so it is acknowledged
    # only once done, and a worker lost in the middle gives it back to the broker instead of dropping it.
    acks_late=True,
    reject_on_worker_lost=True,
    # Only what may work later is retried: a provider down or still rate-limiting; never bad data or credentials.
    autoretry_for=(TransientError,),
    retry_backoff=60,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=4,
    time_limit=settings.INGESTION_SYNC_TIME_LIMIT + 60,
    soft_time_limit=settings.INGESTION_SYNC_TIME_LIMIT,
)
def sync_source(self, source_id, run_id):
    """Run one queued sync of one source."""
    if not SyncRun.objects.filter(pk=run_id, source_id=source_id).exists():
        return
    retry_left = not self.request.is_eager and self.request.retries < self.max_retries
    sync_run_execute(run_id=run_id, retry_left=retry_left)


@shared_task(name="ingestion.tasks.dispatch_due_syncs", time_limit=120, soft_time_limit=100)
def dispatch_due_syncs():
    """Beat, every few minutes: queue the sources whose nightly time has come (each in its network's time zone)."""
    return len(syncs_dispatch_due())


@shared_task(name="ingestion.tasks.process_webhook_delivery", acks_late=True, reject_on_worker_lost=True,
             time_limit=300, soft_time_limit=270)  # fmt: skip
def process_webhook_delivery(delivery_id):
    """Import a stored webhook delivery; one effect however often it runs."""
    if WebhookDelivery.objects.filter(pk=delivery_id).exists():
        webhook_process(delivery_id=delivery_id)


@shared_task(name="ingestion.tasks.notify_sync_failure", time_limit=60, soft_time_limit=50,
             autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, retry_jitter=True,
             max_retries=5)  # fmt: skip
def notify_sync_failure(run_id):
    """Queued once a failed run is committed; e-mails the network's administrators."""
    run = SyncRun.objects.select_related("source__node").filter(pk=run_id).first()
    if run is not None:
        sync_failure_notify(run=run)
