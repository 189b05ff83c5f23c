"""Signed webhooks: leads and conversations pushed by forms and chatbots, as the contract says.

A delivery is `POST /api/v1/webhooks/<source>/<leads|conversations>/` with a JSON object or a list of objects in the
columns of leads.csv / conversations.csv, and the headers `X-Timestamp: <unix seconds>` and
`X-Signature: sha256=<hex>`: the HMAC-SHA256, keyed with the source's secret, of `<timestamp>.<raw body>`.

Receiving checks the signature on the raw bytes and the timestamp (300 s either way), stores the delivery as it
came and answers at once; the import runs after commit, through the same upsert path as a CSV file, within the
source's node subtree. The SHA-256 of the body is unique per source: the same body delivered again (a retry by the
sender, or an attacker replaying a captured request, even re-signed with a new timestamp) is answered like the first
time and has no further effect. A sender that means to change a record sends its new values: a new body.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.queueing import task_queue
from ingestion.importing import import_rows

from .constants import DeliveryStatus, SyncTrigger
from .models import DataSource, WebhookDelivery
from .runs import ReasonLog, run_record
from .services import source_credentials

SIGNATURE_PREFIX = "sha256="


class WebhookRefused(Exception):
    """Not signed by the source (or too old, or too new): answered 401, nothing stored."""


class WebhookMalformed(Exception):
    """Signed, but not a JSON object or a list of objects: answered 400, nothing stored."""


def webhook_signature(*, secret, timestamp, body):
    """The hex HMAC-SHA256 of `<timestamp>.<body>` keyed with `secret`, as senders compute it."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _verified_source(*, source_slug, timestamp, signature, body, now):
    source = DataSource.objects.select_related("node").filter(slug=source_slug, enabled=True).first()
    secret = None
    if source is not None:
        credentials = source_credentials(source=source)
        secret = credentials.get("webhook_secret") or credentials.get("secret")
    # An unknown source gets the same answer as a bad signature: the endpoint does not tell which slugs exist.
    if not secret:
        raise WebhookRefused("unknown source, or a source without a signing secret")
    try:
        signed_at = int(timestamp or "")
    except ValueError:
        raise WebhookRefused("X-Timestamp is missing or not a number of seconds") from None
    if abs(now.timestamp() - signed_at) > settings.INGESTION_WEBHOOK_TOLERANCE_SECONDS:
        raise WebhookRefused(f"X-Timestamp is more than {settings.INGESTION_WEBHOOK_TOLERANCE_SECONDS} s away")
    if not (signature or "").startswith(SIGNATURE_PREFIX):
        raise WebhookRefused("X-Signature is missing or not sha256=<hex>")
    expected = webhook_signature(secret=secret, timestamp=signed_at, body=body)
    if not hmac.compare_digest(expected, signature[len(SIGNATURE_PREFIX) :].strip().lower()):
        raise WebhookRefused("X-Signature does not match the body")
    return source, datetime.fromtimestamp(signed_at, tz=UTC)


def webhook_records(body):
    """The records of a body: a JSON object, or a non-empty list of objects."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise WebhookMalformed(f"the body is not JSON: {error}") from None
    records = [payload] if isinstance(payload, dict) else payload
    if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
        raise WebhookMalformed("the body must be a JSON object, or a non-empty list of objects")
    return records


def webhook_receive(*, source_slug, kind, timestamp, signature, body, now=None):
    """Verify and store a delivery, and queue its import after commit. Returns (delivery, created): created is False
    for a body this source already delivered. Raises WebhookRefused or WebhookMalformed, storing nothing."""
    now = now or timezone.now()
    source, signed_at = _verified_source(source_slug=source_slug, timestamp=timestamp, signature=signature, body=body,
                                         now=now)  # fmt: skip
    webhook_records(body)
    digest = hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(source=source, kind=kind, timestamp=signed_at, digest=digest,
                                                      body=body.decode(), received_at=now)  # fmt: skip
            transaction.on_commit(lambda: _send(delivery))
    except IntegrityError:
        return WebhookDelivery.objects.get(source=source, digest=digest), False
    return delivery, True


def _send(delivery):
    task_queue("ingestion.tasks.process_webhook_delivery", args=[delivery.pk])


@transaction.atomic
def webhook_process(*, delivery_id):
    """Import a received delivery within its source's subtree, and record what it did, in one transaction: a
    delivery processed twice (its task delivered again) has one effect. Each delivery also leaves a run in the
    source's history, so that the Data sources page and the board's freshness see pushed data like pulled data."""
    delivery = WebhookDelivery.objects.select_for_update().select_related("source__node").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.RECEIVED:
        return delivery
    began = timezone.now()
    source, reasons = delivery.source, ReasonLog()
    rows = ((f"delivery {delivery.pk} record {n}", record) for n, record in
            enumerate(webhook_records(delivery.body.encode()), start=1))  # fmt: skip
    result = import_rows(delivery.kind, rows, label=source.slug, report=reasons, within=source.node)
    finished = timezone.now()
    counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
              "rejected": result.rejected}  # fmt: skip
    error = ""
    if not result.ok:  # nothing of it was written
        counts.update(created=0, updated=0, unchanged=0)
        error = f"webhook delivery {delivery.pk}: {result.rejected} record(s) rejected; nothing was written"
    delivery.status = DeliveryStatus.PROCESSED if result.ok else DeliveryStatus.REJECTED
    delivery.processed_at, delivery.errors = finished, reasons.text()
    for name, value in counts.items():
        setattr(delivery, name, value)
    delivery.save()
    run_record(source=source, trigger=SyncTrigger.WEBHOOK, queued_at=delivery.received_at, started_at=began,
               finished_at=finished, counts=counts, error=error, reasons=delivery.errors,
               notes=f"Webhook delivery {delivery.pk} ({delivery.kind}).")  # fmt: skip
    return delivery
