"""Running one sync: the same code for the nightly schedule (a Celery task), "sync now" and the `sync` command.

A sync is idempotent and all-or-nothing. One transaction holds everything it writes: the facts, upserted by natural
key through ingestion.importing (the path CSV files take), the rollups of exactly the days it touched, the source's
cursor and renewed tokens, and the run's own result. A run that fails, however it fails, leaves the previous data
as it was and says why (ingestion.runs records it and tells the administrators).

One lock per source (a PostgreSQL advisory lock, held by the worker's database session): a source never syncs twice
at once, not even when Redis hands a task to a second worker while the first is still at it. When a worker dies in
the middle of a sync, PostgreSQL rolls its transaction back and drops its lock; the task, acknowledged only at its
end, is delivered again, and the next worker finds the run still "running" with nobody holding the lock: it takes
it over, says so in the run's notes, and syncs from scratch.
"""

import logging
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from itertools import groupby
from operator import itemgetter

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from accounts.queueing import task_queue
from accounts.selectors import node_network
from ingestion.importing import import_rows
from kpis.rollups import rollups_refresh, rollups_refresh_touched
from kpis.services import facts_clear

from .connectors import connector_class
from .connectors.base import SyncWindow
from .constants import ACTIVE_STATUSES, SyncStatus
from .crypto import CredentialsError, credentials_decrypt, credentials_encrypt
from .http import ConnectorError, TransientError
from .models import DataSource, SyncRun
from .runs import ReasonLog, run_fail, run_note_append

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 0x5EED << 32  # advisory-lock keys of source syncs: this prefix, then the source id


class SyncRejected(Exception):
    """Some records were bad: the run writes nothing. Carries the counts and the first reasons."""

    def __init__(self, *, counts, reasons):
        super().__init__(f"{counts['rejected']} record(s) rejected; nothing was written")
        self.counts, self.reasons = counts, reasons


@contextmanager
def source_lock(*, source_id):
    """Yield True when this process holds the sync lock of the source, False when another one does.

    On PostgreSQL, a session-level advisory lock: PostgreSQL releases it when the session ends, so a worker killed
    mid-sync never leaves a source locked. The embedded default (SQLite, tasks inline in one process) has no second
    worker to keep out, and SQLite serialises writers anyway.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    key = LOCK_NAMESPACE + source_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def sync_window(*, source, today, since=None):
    """The days a run pulls: from `since` (an explicit start), or back `lookback_days`, to today."""
    start = since or today - timedelta(days=source.lookback_days)
    return SyncWindow(start=min(start, today), end=today)


def sync_run_execute(*, run_id, retry_left=False, http=None, today=None, now=None):
    """Run the sync `run_id` now, in this process, and return the run as it ends (None if it is gone).

    `retry_left`: on a transient error (the provider down, still rate-limiting after our waits), put the run back in
    the queue and raise the TransientError for the Celery task to retry later; otherwise the run fails.
    `http`: the HTTP client connectors use (tests pass one whose `sleep` does not wait). `today`: the last day of
    the window, when not today in the network's time zone (the demo is built up to a given day). `now`: the moment
    the run is for, when not the present (the demo is built as of a given moment); see _run_moment.
    """
    run = SyncRun.objects.filter(pk=run_id).only("source_id", "status").first()
    if run is None or run.status not in ACTIVE_STATUSES:
        return run
    with source_lock(source_id=run.source_id) as acquired:
        if not acquired:
            logger.info("sync run %s: another worker holds the source's lock; it will finish the run", run_id)
            return run
        run = _claim(run_id, today, now)
        if run is None:
            return SyncRun.objects.filter(pk=run_id).first()
        try:
            return _sync(run, http, today, now)
        except TransientError as error:
            if retry_left:
                _note_retry(run, error)
                raise
            return run_fail(run=run, error=str(error))
        except SyncRejected as rejection:
            return run_fail(run=run, error=str(rejection), rejected=rejection.counts["rejected"],
                            reasons=rejection.reasons)  # fmt: skip
        except (ConnectorError, CredentialsError) as error:
            return run_fail(run=run, error=str(error))
        except SoftTimeLimitExceeded:
            return run_fail(run=run, error=f"stopped after {settings.INGESTION_SYNC_TIME_LIMIT} s (the time limit); "
                                           "nothing written")  # fmt: skip
        except Exception as error:  # a bug must not leave the run "running" for ever: record it, keep the traceback
            logger.exception("sync run %s failed unexpectedly", run_id)
            return run_fail(run=run, error=f"unexpected error: {type(error).__name__}: {error}")


def _run_moment(*, zone, today=None, now=None):
    """(today, now) of a run whose network cuts its days in `zone`: `now` is the present unless given, or the last
    instant of `today` when only that day is given (the whole of it); `today` is `now`'s day unless given. Connectors
    write nothing dated after `now` (the demo draws its facts up to it)."""
    if now is None:
        now = timezone.now() if today is None else datetime.combine(today, time.max, tzinfo=zone)
    return today or timezone.localdate(now, timezone=zone), now


@transaction.atomic
def _claim(run_id, today, now):
    """Mark the run running for this attempt; a run already running lost its worker (we hold the lock now)."""
    run = SyncRun.objects.select_for_update().filter(pk=run_id, status__in=ACTIVE_STATUSES).first()
    if run is None:
        return None
    claimed_at = timezone.now()
    if run.status == SyncStatus.RUNNING:
        run_note_append(run=run, text=f"Attempt {run.attempt} was interrupted (its worker was lost); attempt "
                                      f"{run.attempt + 1} starts again from scratch: nothing of the interrupted "
                                      "attempt was kept.")  # fmt: skip
    if run.window_end is None:  # fixed at the first attempt, so that a retry pulls the same days
        source = DataSource.objects.select_related("node").get(pk=run.source_id)
        today, _now = _run_moment(zone=node_network(node=source.node).zone, today=today, now=now)
        window = sync_window(source=source, today=today, since=run.window_start)
        run.window_start, run.window_end = window.start, window.end
    run.status, run.attempt, run.started_at = SyncStatus.RUNNING, run.attempt + 1, run.started_at or claimed_at
    run.save(update_fields=["status", "attempt", "started_at", "notes", "window_start", "window_end"])
    return run


def _sync(run, http, today, now):
    began = timezone.now()
    with transaction.atomic():
        source = DataSource.objects.select_related("node").get(pk=run.source_id)
        network = node_network(node=source.node)
        today, now = _run_moment(zone=network.zone, today=today, now=now)
        window = SyncWindow(start=run.window_start, end=run.window_end)
        connector = connector_class(source.kind)(
            source=source, credentials=credentials_decrypt(source.credentials), window=window, today=today, now=now,
            http=http,
        )  # fmt: skip
        reasons, results = ReasonLog(), []
        if connector.full_refresh:
            facts_clear(node=source.node)
        for kind, records in groupby(connector.records(), key=itemgetter(0)):
            rows = ((reference, row) for _, reference, row in records)
            results.append(import_rows(kind, rows, label=source.slug, report=reasons, within=source.node,
                                       refresh_rollups=False))  # fmt: skip
        counts = {name: sum(getattr(r, name) for r in results) for name in ("created", "updated", "unchanged",
                                                                             "rejected")}  # fmt: skip
        if counts["rejected"]:
            raise SyncRejected(counts=counts, reasons=reasons.text())
        if connector.full_refresh:
            rollups_refresh(network=network)
        else:
            touched = {}
            for result in results:
                for network_slug, days in result.touched_days.items():
                    touched.setdefault(network_slug, set()).update(days)
            rollups_refresh_touched(touched)
        source.state = connector.state
        fields = ["state"]
        if connector.credentials_changed:
            source.credentials = credentials_encrypt(connector.credentials)
            fields.append("credentials")
        source.save(update_fields=fields)
        finished = timezone.now()
        for text in connector.notes:
            run_note_append(run=run, text=text)
        SyncRun.objects.filter(pk=run.pk).update(
            status=SyncStatus.SUCCEEDED, finished_at=finished, duration=finished - (run.started_at or began), error="",
            rejected_reasons="", notes=run.notes, **counts,
        )  # fmt: skip
        for task_name in settings.INGESTION_AFTER_SYNC_TASKS:
            transaction.on_commit(lambda name=task_name: _queue_follow_up(name, network.pk))
    run.refresh_from_db()
    return run


def follow_up_window_claim(task_name, network_id, seconds):
    """True for the first caller of a `seconds` window for this task and network, False for the others (the cache is
    Redis in production, shared by every worker)."""
    return cache.add(f"ingestion:after-sync:{task_name}:{network_id}", 1, timeout=seconds)


def _queue_follow_up(task_name, network_id):
    """Queue `task_name` for the network, once per INGESTION_AFTER_SYNC_DELAY_SECONDS however many of its sources
    finish meanwhile: a network with a source per franchisee syncs hundreds of them each night, and the follow-ups
    (the question rules) read the whole network. The first sync of the window queues the task to run at the window's
    end, so it sees every sync of the window. Tasks run inline (no broker) follow every sync at once instead. The task
    is queued by its name, which this process may not have imported yet (see accounts.queueing.task_queue)."""
    delay = settings.INGESTION_AFTER_SYNC_DELAY_SECONDS
    if not current_app.conf.task_always_eager and delay and not follow_up_window_claim(task_name, network_id, delay):
        return  # already queued for this window
    task_queue(task_name, args=[network_id], **({"countdown": delay} if delay else {}))


@transaction.atomic
def _note_retry(run, error):
    run = SyncRun.objects.select_for_update().get(pk=run.pk)
    run_note_append(run=run, text=f"Attempt {run.attempt} failed for now ({error}); the sync will be tried again.")
    run.status = SyncStatus.QUEUED
    run.save(update_fields=["status", "notes"])
