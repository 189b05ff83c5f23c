"""Writes on data sources: registering a source, its schedule and credentials, queueing its syncs (by hand, by command,
by the nightly dispatcher, which also sends again or gives up the runs that lost their worker), and the worker
heartbeat. Running a sync is ingestion.sync; what every run shares (failing, notes, the failure notice) is
ingestion.runs. Syncs are queued by task name (accounts.queueing): this module imports no tasks module."""

import json
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.queueing import task_queue

from .connectors import connector_class
from .constants import ACTIVE_STATUSES, AD_PLATFORM_LOOKBACK_DAYS, SourceKind, SyncTrigger
from .crypto import credentials_decrypt, credentials_encrypt
from .models import DataSource, SyncRun, WorkerHeartbeat
from .runs import sync_run_give_up
from .schedule import source_next_run
from .sync import sync_run_execute

# Runs that no worker could finish after this many attempts are given up (each attempt lost its worker).
MAX_ATTEMPTS = 5
# A configuration key named with one of these words holds a secret (api_key, password, private_token…); one whose last
# word says it is an address or an id (token_url, client_id) does not.
SECRET_WORDS = {"token", "secret", "password", "passwd", "pwd", "apikey", "key", "credential", "credentials", "private"}
NOT_SECRET_LAST_WORDS = {"url", "uri", "endpoint", "id"}


@transaction.atomic
def worker_heartbeat_record(*, hostname):
    """Note that the worker `hostname` is alive now; safe to run any number of times."""
    beat, created = WorkerHeartbeat.objects.get_or_create(
        hostname=hostname, defaults={"seen_at": timezone.now(), "beats": 1}
    )
    if not created:
        WorkerHeartbeat.objects.filter(pk=beat.pk).update(seen_at=timezone.now(), beats=F("beats") + 1)
        beat.refresh_from_db()
    return beat


@transaction.atomic
def source_register(*, slug, kind, node, secret=None, config=None, name="", enabled=True):
    """Create the data source `slug`, or bring it to these values. Keys of `config` that the connector counts as
    secrets (tokens, client secrets) are moved to the encrypted credentials with `secret`; the rest stays readable.
    Returns (source, created). Raises ValidationError for what the connector would miss."""
    kind = SourceKind(kind)
    if not isinstance(config or {}, dict):
        raise ValidationError(_("The configuration must be a JSON object."))
    config = dict(config or {})
    connector = connector_class(kind)
    source = DataSource.objects.select_for_update().filter(slug=slug).first()
    created = source is None
    if created:
        lookback = AD_PLATFORM_LOOKBACK_DAYS if kind in (SourceKind.GOOGLE_ADS, SourceKind.META_ADS) else None
        source = DataSource(slug=slug, lookback_days=lookback or connector.default_lookback_days)
    credentials = credentials_decrypt(source.credentials)
    credentials.update({key: str(config.pop(key)) for key in connector.secret_fields if key in config})
    # The configuration is stored readable: a secret the connector does not take as a credential would sit there in
    # clear. Refuse it and say where secrets go.
    in_clear = sorted(key for key in config if config_key_looks_secret(key))
    if in_clear:
        raise ValidationError(_("Source %(slug)s: %(keys)s look like secrets, which a %(kind)s source does not take in "
                                "its configuration; pass the secret with --secret, or as one of: %(fields)s.") % {
            "slug": slug, "keys": ", ".join(in_clear), "kind": kind.value,
            "fields": ", ".join(connector.secret_fields) or "—"})  # fmt: skip
    if secret:
        credentials["secret"] = secret
    problems = connector.config_problems(config, credentials)
    if problems:
        raise ValidationError(_("Source %(slug)s: %(problems)s.") % {"slug": slug, "problems": "; ".join(problems)})
    source.kind, source.node, source.name, source.enabled = kind, node, name or source.name or slug, enabled
    source.config, source.credentials = config, credentials_encrypt(credentials)
    source.full_clean(exclude=["credentials"])
    source.next_run_at = source_next_run(source=source, after=timezone.now()) if connector.scheduled else None
    source.save()
    return source, created


@transaction.atomic
def source_schedule_set(*, source, time_of_day, enabled):
    """Change when a source syncs each night (local time of its network) and whether it does."""
    source = DataSource.objects.select_for_update().select_related("node").get(pk=source.pk)
    source.schedule_time, source.enabled = time_of_day, enabled
    scheduled = enabled and connector_class(source.kind).scheduled
    source.next_run_at = source_next_run(source=source, after=timezone.now()) if scheduled else None
    source.save(update_fields=["schedule_time", "enabled", "next_run_at"])
    return source


def source_credentials(*, source):
    """The decrypted credentials of a source, for the connectors and the webhook signature only."""
    return credentials_decrypt(source.credentials)


def sync_queue(*, source, trigger, since=None, dispatch=True, now=None):
    """A new run of `source`, queued for a worker once this transaction commits (`dispatch`), or for the caller to
    run. A source has one queued or running run at most: if there is one, it is returned and nothing is queued.
    Returns (run, created)."""
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(source=source, trigger=trigger, window_start=since,
                                         queued_at=now or timezone.now())  # fmt: skip
    except IntegrityError:
        active = SyncRun.objects.filter(source=source, status__in=ACTIVE_STATUSES).first()
        if active is None:  # it finished in between: try once more
            return sync_queue(source=source, trigger=trigger, since=since, dispatch=dispatch, now=now)
        return active, False
    if dispatch:
        transaction.on_commit(lambda: _send(run))
    return run, True


def _send(run):
    task_queue("ingestion.tasks.sync_source", args=[run.source_id, run.pk])


def syncs_dispatch_due(*, now=None):
    """Queue a run for every enabled source whose nightly time has come, and move its next run to the next day.

    Safe to call twice at once (two beat processes by mistake): a source is claimed by a conditional UPDATE of its
    `next_run_at`, so only one call queues it. Also sends again the runs that no worker finished in
    INGESTION_REQUEUE_AFTER_MINUTES (their broker message or their worker was lost). Returns the runs queued."""
    now = now or timezone.now()
    queued = []
    due = DataSource.objects.filter(enabled=True, next_run_at__lte=now).select_related("node")
    for source in due:
        following = source_next_run(source=source, after=now)
        with transaction.atomic():
            claimed = DataSource.objects.filter(pk=source.pk, next_run_at=source.next_run_at).update(
                next_run_at=following
            )
            if not claimed:
                continue  # another dispatcher took it
            run, created = sync_queue(source=source, trigger=SyncTrigger.SCHEDULE, now=now)
            if created:
                queued.append(run)
    _requeue_stale(now)
    return queued


def _requeue_stale(now):
    stale = SyncRun.objects.filter(
        status__in=ACTIVE_STATUSES, queued_at__lt=now - timedelta(minutes=settings.INGESTION_REQUEUE_AFTER_MINUTES)
    )
    for run in stale:
        with transaction.atomic():
            if run.attempt >= MAX_ATTEMPTS:
                sync_run_give_up(run=run, reason=f"given up after {run.attempt} attempts: each lost its worker")
                continue
            # The task is idempotent and locked per source: sending it again is harmless if the first still lives.
            SyncRun.objects.filter(pk=run.pk).update(queued_at=now)
            transaction.on_commit(lambda run=run: _send(run))


def config_key_looks_secret(key):
    words = [word for word in re.split(r"[^a-z0-9]+", str(key).lower()) if word]
    return bool(words) and bool(SECRET_WORDS.intersection(words)) and words[-1] not in NOT_SECRET_LAST_WORDS


def config_from_text(text):
    """The --config of add_source: a JSON object."""
    if not text:
        return {}
    try:
        config = json.loads(text)
    except ValueError as error:
        raise ValidationError(_("--config is not JSON: %(error)s") % {"error": error}) from None
    if not isinstance(config, dict):
        raise ValidationError(_("--config must be a JSON object."))
    return config


def sync_now(*, source, since=None, http=None, today=None, now=None):
    """Sync `source` in this process (the `sync` command), with the code a worker runs. Returns (run, ran): ran is
    False when the source already had a queued or running run, left to its worker."""
    run, created = sync_queue(source=source, trigger=SyncTrigger.COMMAND, since=since, dispatch=False)
    if not created:
        return run, False
    return sync_run_execute(run_id=run.pk, http=http, today=today, now=now), True
