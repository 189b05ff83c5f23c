"""Signed webhooks, as the contract says: HMAC-SHA256 of '<timestamp>.<raw body>', 300 s of tolerance, 202 at once,
processing after commit, one effect per body, rows only within the source's node subtree."""

import json
import time

import pytest
from django.core import mail

from ingestion.constants import DeliveryStatus, SyncStatus
from ingestion.models import SyncRun, WebhookDelivery
from ingestion.services import source_register
from ingestion.webhooks import webhook_signature
from kpis.models import Conversation, DailyRollup, Lead
from tests.helpers import log_in

pytestmark = pytest.mark.django_db
SECRET = "whsec-lille-1"
LEAD = {"external_id": "form-1", "created_at": "2026-03-10T18:40:00+01:00", "node_slug": "lille", "source": "google",
        "medium": "cpc", "segment": "students", "score": 64}  # fmt: skip


@pytest.fixture
def source(franchisee_lille):
    return source_register(slug="forms-lille", kind="webhook", node=franchisee_lille, secret=SECRET)[0]


def post(client, kind, payload, *, secret=SECRET, timestamp=None, signature=None, slug="forms-lille", age=0):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    timestamp = int(time.time()) - age if timestamp is None else timestamp
    signature = signature or "sha256=" + webhook_signature(secret=secret, timestamp=timestamp, body=body)
    return client.post(f"/api/v1/webhooks/{slug}/{kind}/", body, content_type="application/json",
                       HTTP_X_TIMESTAMP=str(timestamp), HTTP_X_SIGNATURE=signature)  # fmt: skip


def test_a_signed_delivery_is_accepted_at_once_and_the_lead_exists_after_commit(
    client, source, celery_inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(client, "leads", LEAD)
        assert response.status_code == 202
        assert Lead.objects.count() == 0  # nothing is processed before the delivery is committed
    for callback in callbacks:
        callback()

    assert response.json()["status"] == "accepted"
    lead = Lead.objects.get(external_id="form-1")
    assert (lead.node.slug, lead.score, lead.day.isoformat()) == ("lille", 64, "2026-03-10")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.created) == (DeliveryStatus.PROCESSED, 1)
    assert SyncRun.objects.get(source=source).status == SyncStatus.SUCCEEDED
    assert DailyRollup.objects.filter(node_path="/acme/nord/lille/", leads=1).exists()


def test_a_list_of_conversations_is_accepted(client, source, celery_inline, django_capture_on_commit_callbacks):
    rows = [{"external_id": f"chat-{n}", "started_at": "2026-03-10T10:00:00Z", "node_slug": "lille",
             "channel": "whatsapp", "captured_contact": "yes"} for n in range(3)]  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "conversations", rows).status_code == 202

    assert Conversation.objects.filter(captured_contact=True).count() == 3


@pytest.mark.parametrize(
    "tamper",
    [
        {"signature": "sha256=" + "0" * 64},
        {"signature": "md5=abc"},
        {"secret": "another-secret"},
        {"age": 301},
        {"age": -400},
        {"slug": "no-such-source"},
    ],
    ids=["wrong-signature", "not-sha256", "wrong-secret", "stale", "from-the-future", "unknown-source"],
)
def test_a_delivery_not_signed_by_the_source_gets_401_and_nothing_is_stored(client, source, tamper):
    response = post(client, "leads", LEAD, **tamper)

    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0 and Lead.objects.count() == 0


def test_a_delivery_without_headers_gets_401(client, source):
    response = client.post("/api/v1/webhooks/forms-lille/leads/", LEAD, content_type="application/json")

    assert response.status_code == 401 and WebhookDelivery.objects.count() == 0


def test_the_signature_covers_the_raw_body_byte_for_byte(client, source):
    body = json.dumps(LEAD).encode()
    timestamp = int(time.time())
    signature = "sha256=" + webhook_signature(secret=SECRET, timestamp=timestamp, body=body)

    response = client.post("/api/v1/webhooks/forms-lille/leads/", body + b" ", content_type="application/json",
                           HTTP_X_TIMESTAMP=str(timestamp), HTTP_X_SIGNATURE=signature)  # fmt: skip

    assert response.status_code == 401


def test_the_same_body_delivered_again_has_no_further_effect(client, source, celery_inline,
                                                             django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, "leads", LEAD)
    Lead.objects.filter(external_id="form-1").update(score=10)  # changed since by something else

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        replay = post(client, "leads", LEAD, timestamp=int(time.time()) - 5)  # re-signed with a new timestamp

    assert (first.status_code, replay.status_code) == (202, 202)
    assert replay.json() == {"delivery": first.json()["delivery"], "status": "duplicate"}
    assert callbacks == [] and WebhookDelivery.objects.count() == 1
    assert Lead.objects.get().score == 10 and SyncRun.objects.count() == 1


def test_processing_a_delivery_twice_has_one_effect(source):
    from ingestion.webhooks import webhook_process, webhook_receive

    body = json.dumps(LEAD).encode()
    timestamp = int(time.time())
    delivery, _ = webhook_receive(source_slug="forms-lille", kind="leads", timestamp=str(timestamp), body=body,
                                  signature="sha256=" + webhook_signature(secret=SECRET, timestamp=timestamp,
                                                                          body=body))  # fmt: skip
    webhook_process(delivery_id=delivery.pk)
    webhook_process(delivery_id=delivery.pk)  # the task delivered again

    assert Lead.objects.count() == 1 and SyncRun.objects.count() == 1


def test_a_row_for_a_node_outside_the_sources_subtree_is_rejected_with_its_reason(
    client, source, franchisee_nice, celery_inline, django_capture_on_commit_callbacks
):
    rows = [LEAD, dict(LEAD, external_id="form-2", node_slug="nice")]
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "leads", rows).status_code == 202

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.REJECTED
    reason = "node_slug: 'nice' is outside 'lille''s subtree"
    assert delivery.errors == f"forms-lille:delivery {delivery.pk} record 2: {reason}"
    assert Lead.objects.count() == 0  # nothing half-written: the good row is not kept either
    run = SyncRun.objects.get()
    assert run.status == SyncStatus.FAILED and run.rejected == 1 and "nothing was written" in run.error


def test_a_rejected_delivery_emails_the_networks_admins_after_commit(client, source, franchisor, celery_inline,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "leads", dict(LEAD, score=400))

    assert [m.to for m in mail.outbox] == [["admin@acme.example"]]
    assert "score: 400 is above 100" in mail.outbox[0].body


@pytest.mark.parametrize("body", [b"not json", b"[]", b"[1, 2]", b'"a string"'])
def test_a_signed_body_that_is_not_objects_gets_400_and_nothing_is_stored(client, source, body):
    response = post(client, "leads", body)

    assert response.status_code == 400 and WebhookDelivery.objects.count() == 0
    assert response.json()["detail"]


def test_a_logged_in_person_without_the_signature_cannot_post(client, source, franchisor):
    log_in(client, franchisor)
    client.handler.enforce_csrf_checks = True

    response = client.post("/api/v1/webhooks/forms-lille/leads/", LEAD, content_type="application/json")

    assert response.status_code == 401 and WebhookDelivery.objects.count() == 0


def test_a_disabled_source_refuses_deliveries(client, source):
    source.enabled = False
    source.save(update_fields=["enabled"])

    assert post(client, "leads", LEAD).status_code == 401


def test_webhooks_are_in_the_openapi_schema(client, franchisor):
    log_in(client, franchisor)
    paths = client.get("/api/v1/schema/", {"format": "json"}).json()["paths"]

    for kind in ("leads", "conversations"):
        operation = paths[f"/api/v1/webhooks/{{source_slug}}/{kind}/"]["post"]
        assert {"202", "400", "401"} <= set(operation["responses"])
        assert {p["name"] for p in operation["parameters"]} >= {"X-Timestamp", "X-Signature", "source_slug"}
