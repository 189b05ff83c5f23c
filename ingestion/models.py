from datetime import time

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Node

from .constants import ACTIVE_STATUSES, DeliveryKind, DeliveryStatus, SourceKind, SyncStatus, SyncTrigger


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker on `hostname` ran the heartbeat task: proof, visible to admins and the wall
    screen, that background work is actually being done."""

    hostname = models.CharField(_("worker"), max_length=255, unique=True)
    seen_at = models.DateTimeField(_("last seen"))
    beats = models.PositiveBigIntegerField(_("heartbeats"), default=0)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["-seen_at"]

    def __str__(self):
        return self.hostname


class RowCounts(models.Model):
    """What an import did to the facts, row by row."""

    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)

    class Meta:
        abstract = True


class DataSource(models.Model):
    """Where facts of one node's subtree come from: an ad platform, analytics, a CRM, a chatbot export, a CSV drop
    folder, a webhook, or the demo. It writes only facts of its node's subtree.

    `credentials` is a Fernet token (ingestion.crypto) holding the webhook signing secret and the provider's tokens;
    it is never shown back. `config` holds what is not secret (provider ids, a base URL, a folder). The nightly sync
    runs at `schedule_time`, local time of the node's network, and pulls `lookback_days` again each night; `state`
    is the connector's cursor, saved in the same commit as the data it led to.
    """

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices)
    node = models.ForeignKey(Node, verbose_name=_("node"), on_delete=models.PROTECT, related_name="data_sources")
    credentials = models.TextField(_("credentials (encrypted)"), blank=True, editable=False)
    config = models.JSONField(_("configuration"), default=dict, blank=True)
    schedule_time = models.TimeField(_("nightly sync at (local time)"), default=time(1, 0))
    enabled = models.BooleanField(_("enabled"), default=True)
    lookback_days = models.PositiveSmallIntegerField(
        _("days pulled again each night"), default=7, validators=[MaxValueValidator(400)]
    )
    state = models.JSONField(_("cursor and state"), default=dict, blank=True, editable=False)
    next_run_at = models.DateTimeField(_("next nightly sync"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")
        ordering = ["node__path", "slug"]
        constraints = [
            models.CheckConstraint(condition=Q(lookback_days__lte=400), name="data_source_lookback_range"),
        ]
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="data_source_due_idx")]

    def __str__(self):
        return self.name or self.slug


class SyncRun(RowCounts):
    """One sync of one source: what started it, the window of days it pulled, what it did to the facts (rows
    created, updated, unchanged, rejected, with the first reasons), how long it took, and why it failed. `attempt`
    counts the workers that took it (a retry, or a new worker after one was lost); `notes` says what happened on
    the way. A source has at most one queued or running run at a time."""

    source = models.ForeignKey(DataSource, verbose_name=_("source"), on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(_("trigger"), max_length=16, choices=SyncTrigger.choices)
    status = models.CharField(_("status"), max_length=16, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    window_start = models.DateField(_("from"), null=True, blank=True)
    window_end = models.DateField(_("to"), null=True, blank=True)
    rejected_reasons = models.TextField(_("rejected rows"), blank=True)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration = models.DurationField(_("duration"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempts"), default=0)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source"], condition=Q(status__in=ACTIVE_STATUSES), name="sync_run_one_active_per_source"
            ),
        ]
        indexes = [models.Index(fields=["source", "-queued_at"], name="sync_run_source_idx")]

    def __str__(self):
        return f"{self.source} · {self.queued_at:%Y-%m-%d %H:%M} · {self.status}"

    @property
    def rows(self):
        return self.created + self.updated + self.unchanged


class WebhookDelivery(RowCounts):
    """One signed POST to a source's webhook, kept as received (raw body) and processed after commit. The digest
    of the body is unique per source among the deliveries not rejected: delivering the same body again has no further
    effect, unless it was rejected (a record naming a lead not yet delivered, say), when it is judged again.

    A body with a bad record is refused when it is received (answered 422): kept as a rejected delivery, with its
    reasons, once per body, so that the source's run history shows it."""

    source = models.ForeignKey(
        DataSource, verbose_name=_("source"), on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DeliveryKind.choices)
    timestamp = models.DateTimeField(_("signed at"))
    digest = models.CharField(_("SHA-256 of the body"), max_length=64)
    body = models.TextField(_("body"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.RECEIVED)  # fmt: skip
    errors = models.TextField(_("errors"), blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "digest"], condition=~Q(status=DeliveryStatus.REJECTED),
                                    name="webhook_delivery_once_per_body"),  # fmt: skip
        ]

    def __str__(self):
        return f"{self.source} · {self.kind} · {self.received_at:%Y-%m-%d %H:%M:%S}"
