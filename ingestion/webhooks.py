"""Signed webhooks: leads and conversations pushed by forms and chatbots, as the contract says.

A delivery is `POST /api/v1/webhooks/<source>/<leads|conversations>/` with a JSON object or a list of objects in the
columns of leads.csv / conversations.csv, and the headers `X-Timestamp: <unix seconds>` and
`X-Signature: sha256=<hex>`: the HMAC-SHA256, keyed with the source's secret, of `<timestamp>.<raw body>`.

Receiving checks the signature on the raw bytes and the timestamp (300 s either way), then judges every record as
the import will (the same path, within the source's node subtree, rolled back): a body with a bad record is answered
422 with each record's problems, and kept as a rejected delivery with a failed run on the source's history (its
administrators are e-mailed), so that data refused is seen even where the sender ignores its answers. A good body
is stored as it came and answered 202 at once; the import runs after commit, through the same upsert path as a CSV
file. The SHA-256 of the body is unique per source among the deliveries not rejected: the same body delivered again
(a retry by the sender, or an attacker replaying a captured request, even re-signed with a new timestamp) is
answered like the first time and has no further effect. A sender that means to change a record sends its new
values: a new body. A rejected body is judged again when it comes again (what it names may have arrived since).
"""

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.queueing import task_queue
from ingestion.importing import import_rows

from .constants import KEPT_REASONS, DeliveryStatus, SyncTrigger
from .models import DataSource, WebhookDelivery
from .runs import ReasonLog, run_record
from .services import source_credentials

logger = logging.getLogger(__name__)

SIGNATURE_PREFIX = "sha256="


class WebhookRefused(Exception):
    """Not signed by the source (or too old, or too new): answered 401, nothing stored."""


class WebhookMalformed(Exception):
    """Signed, but not a JSON object or a list of objects: answered 400, nothing stored."""


class WebhookRejected(Exception):
    """Signed and well formed, but with records that cannot be imported: answered 422 with `errors`, the first
    KEPT_REASONS problems, each {"index": the record's place in the body from 0, "field", "reason"}, of `count` in
    all. `delivery`: the rejected delivery that keeps the body and its reasons."""

    def __init__(self, *, delivery, errors, count):
        super().__init__(f"{count} record(s) rejected; nothing was imported")
        self.delivery, self.errors, self.count = delivery, errors, count


@dataclass(frozen=True)
class _Record:
    """A record's place in a delivery's body, as reasons name it: "record 1" is the first (index 0)."""

    index: int

    def __str__(self):
        return f"record {self.index + 1}"


# What an unknown source's delivery is checked against: a key nobody has, so that it is refused as a wrong signature
# is, after the same work.
_NO_SECRET = secrets.token_hex(32)


def webhook_signature(*, secret, timestamp, body):
    """The hex HMAC-SHA256 of `<timestamp>.<body>` keyed with `secret`, as senders compute it."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _verified_source(*, source_slug, timestamp, signature, body, now):
    # What does not depend on the source is checked first, and an unknown source (or one without a secret) is
    # refused in the words of a wrong signature, after an HMAC all the same: the endpoint does not tell which slugs
    # exist.
    try:
        signed_at = int(timestamp or "")
    except ValueError:
        raise WebhookRefused("X-Timestamp is missing or not a number of seconds") from None
    if abs(now.timestamp() - signed_at) > settings.INGESTION_WEBHOOK_TOLERANCE_SECONDS:
        raise WebhookRefused(f"X-Timestamp is more than {settings.INGESTION_WEBHOOK_TOLERANCE_SECONDS} s away")
    if not (signature or "").startswith(SIGNATURE_PREFIX):
        raise WebhookRefused("X-Signature is missing or not sha256=<hex>")
    source = DataSource.objects.select_related("node").filter(slug=source_slug, enabled=True).first()
    secret = None
    if source is not None:
        credentials = source_credentials(source=source)
        secret = credentials.get("webhook_secret") or credentials.get("secret")
    expected = webhook_signature(secret=secret or _NO_SECRET, timestamp=signed_at, body=body)
    if not hmac.compare_digest(expected, signature[len(SIGNATURE_PREFIX) :].strip().lower()) or not secret:
        raise WebhookRefused("X-Signature does not match the body")
    return source, datetime.fromtimestamp(signed_at, tz=UTC)


def webhook_records(body):
    """The records of a body: a JSON object, or a non-empty list of objects, in UTF-8. Numbers with a fraction or an
    exponent are read as decimals (money stays exact, and 1e400 is a number too large, not an infinity)."""
    try:
        payload = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (ValueError, RecursionError) as error:  # RecursionError: arrays or objects nested thousands deep
        raise WebhookMalformed(f"the body is not JSON in UTF-8: {error}") from None
    records = [payload] if isinstance(payload, dict) else payload
    if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
        raise WebhookMalformed("the body must be a JSON object, or a non-empty list of objects")
    return records


def _records_import(*, source, kind, records, report, dry_run=False):
    """Import the records of a delivery within the source's subtree (see ingestion.importing.import_rows)."""
    rows = ((_Record(n), record) for n, record in enumerate(records))
    return import_rows(kind, rows, label=source.slug, report=report, within=source.node, dry_run=dry_run)


def webhook_receive(*, source_slug, kind, timestamp, signature, body, now=None):
    """Verify a delivery and judge its records; store it and queue its import after commit. Returns (delivery,
    created): created is False for a body this source already delivered, and accepted. Raises WebhookRefused or
    WebhookMalformed, storing nothing, or WebhookRejected, having stored the delivery as rejected."""
    now = now or timezone.now()
    source, signed_at = _verified_source(source_slug=source_slug, timestamp=timestamp, signature=signature, body=body,
                                         now=now)  # fmt: skip
    records = webhook_records(body)
    digest = hashlib.sha256(body).hexdigest()
    accepted = WebhookDelivery.objects.filter(source=source, digest=digest).exclude(status=DeliveryStatus.REJECTED)
    if (earlier := accepted.first()) is not None:
        return earlier, False
    rejections = []
    result = _records_import(source=source, kind=kind, records=records, report=rejections.append, dry_run=True)
    if not result.ok:
        delivery = _delivery_reject(source=source, kind=kind, signed_at=signed_at, digest=digest, body=body,
                                    received_at=now, rejections=rejections, count=result.rejected)  # fmt: skip
        errors = [{"index": r.reference.index, "field": r.column, "reason": r.reason}
                  for r in rejections[:KEPT_REASONS]]  # fmt: skip
        raise WebhookRejected(delivery=delivery, errors=errors, count=result.rejected)
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(source=source, kind=kind, timestamp=signed_at, digest=digest,
                                                      body=body.decode(), received_at=now)  # fmt: skip
            transaction.on_commit(lambda: _send(delivery))
    except IntegrityError:  # the same body, accepted meanwhile by another request
        return accepted.get(), False
    return delivery, True


@transaction.atomic
def _delivery_reject(*, source, kind, signed_at, digest, body, received_at, rejections, count):
    """Keep a delivery refused when received, with its reasons and a failed run, once per body: the same body
    refused again is on the history already. Returns the rejected delivery."""
    earlier = WebhookDelivery.objects.filter(source=source, digest=digest, status=DeliveryStatus.REJECTED).first()
    if earlier is not None:
        return earlier
    reasons = ReasonLog()
    for rejection in rejections:
        reasons(rejection)
    finished = timezone.now()
    delivery = WebhookDelivery.objects.create(
        source=source, kind=kind, timestamp=signed_at, digest=digest, body=body.decode(), received_at=received_at,
        processed_at=finished, status=DeliveryStatus.REJECTED, errors=reasons.text(), rejected=count,
    )  # fmt: skip
    run_record(source=source, trigger=SyncTrigger.WEBHOOK, queued_at=received_at, started_at=received_at,
               finished_at=finished, counts={"created": 0, "updated": 0, "unchanged": 0, "rejected": count},
               error=f"webhook delivery {delivery.pk}: {count} record(s) rejected when received; nothing was written",
               reasons=delivery.errors, notes=f"Webhook delivery {delivery.pk} ({kind}), answered 422.")  # fmt: skip
    return delivery


def _send(delivery):
    task_queue("ingestion.tasks.process_webhook_delivery", args=[delivery.pk])


@transaction.atomic
def webhook_process(*, delivery_id):
    """Import a received delivery within its source's subtree, and record what it did, in one transaction: a
    delivery processed twice (its task delivered again) has one effect. Each delivery also leaves a run in the
    source's history, so that the Data sources page and the board's freshness see pushed data like pulled data.
    Its records were judged when received; one may still be refused now (what it named has gone since), and even a
    bug ends the delivery, rejected and saying so, rather than leaving it "received" for ever."""
    delivery = WebhookDelivery.objects.select_for_update().select_related("source__node").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.RECEIVED:
        return delivery
    began = timezone.now()
    source, reasons, failure = delivery.source, ReasonLog(), ""
    try:
        records = webhook_records(delivery.body.encode())
        result = _records_import(source=source, kind=delivery.kind, records=records, report=reasons)
    except Exception as error:  # import_rows's own savepoint has rolled its writes back
        logger.exception("webhook delivery %s could not be imported", delivery.pk)
        result, failure = None, f"unexpected error ({type(error).__name__})"
    finished = timezone.now()
    counts = {name: getattr(result, name, 0) for name in ("created", "updated", "unchanged", "rejected")}
    if result is not None and not result.ok:
        failure = f"{result.rejected} record(s) rejected"
    error = f"webhook delivery {delivery.pk}: {failure}; nothing was written" if failure else ""
    if failure:
        counts.update(created=0, updated=0, unchanged=0)
    delivery.status = DeliveryStatus.REJECTED if failure else DeliveryStatus.PROCESSED
    delivery.processed_at, delivery.errors = finished, reasons.text()
    for name, value in counts.items():
        setattr(delivery, name, value)
    delivery.save()
    run_record(source=source, trigger=SyncTrigger.WEBHOOK, queued_at=delivery.received_at, started_at=began,
               finished_at=finished, counts=counts, error=error, reasons=delivery.errors,
               notes=f"Webhook delivery {delivery.pk} ({delivery.kind}).")  # fmt: skip
    return delivery
