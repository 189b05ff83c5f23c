"""Signed webhooks, as the contract says: HMAC-SHA256 of '<timestamp>.<raw body>', 300 s of tolerance, 202 at once,
processing after commit, one effect per body, rows only within the source's node subtree; a body with a bad record
answered 422 with its problems (kept as a rejected delivery on the history), one that is not objects 400, never 500."""

import json
import time

import pytest
from django.conf import global_settings
from django.core import mail

from ingestion.constants import DeliveryStatus, SyncStatus
from ingestion.models import SyncRun, WebhookDelivery
from ingestion.services import source_register
from ingestion.webhooks import webhook_signature
from kpis.models import Conversation, DailyRollup, Lead
from kpis.periods import FIRST_DAY, LAST_DAY
from tests.factories import LeadFactory
from tests.helpers import column_highest, log_in

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


# Every record is judged when received: a bad one is answered 422, with its reasons, and kept as a rejected delivery.
REVENUE_TOP, PURCHASES_TOP = column_highest(Lead, "revenue")[0], column_highest(Lead, "purchases")[0]


@pytest.mark.parametrize(
    ("fragment", "field", "reason"),
    [
        ('"revenue": 1000000000000000000000000000000', "revenue", f"{10**30} is above {REVENUE_TOP}"),
        ('"revenue": 1e400', "revenue", f"1E+400 is above {REVENUE_TOP}"),
        ('"revenue": NaN', "revenue", "'nan' is not a number"),
        ('"revenue": -Infinity', "revenue", "'-inf' is not a number"),
        ('"purchases": 1000000000000', "purchases", f"1000000000000 is above {PURCHASES_TOP}"),
        ('"created_at": "9999-12-31T23:59:59-12:00"', "created_at", f"9999-12-31 is outside {FIRST_DAY} – {LAST_DAY}"),
        ('"score": [1]', "score", "list is not a single value"),
        ('"score": {"value": 1}', "score", "dict is not a single value"),
        ('"node_slug": "nice"', "node_slug", "'nice' is outside 'lille''s subtree"),
        ('"source": "goo\\u0000gle"', "source", "holds a NUL character"),
        ('"colour": "red"', "colour", "unknown column"),
    ],
)  # fmt: skip
def test_a_body_with_a_bad_record_is_answered_422_with_its_problems_and_nothing_is_imported(
    client, source, franchisee_nice, franchisor, celery_inline, django_capture_on_commit_callbacks, fragment, field,
    reason,
):  # fmt: skip
    good, bad = json.dumps(dict(LEAD, external_id="form-0")), json.dumps(LEAD)
    body = f"[{good}, {bad[:-1]}, {fragment}}}]".encode()

    with django_capture_on_commit_callbacks(execute=True):  # tasks run inline, as without a broker
        response = post(client, "leads", body)

    delivery = WebhookDelivery.objects.get()
    assert response.status_code == 422
    assert response.json() == {"detail": "1 record(s) rejected; nothing was imported", "delivery": delivery.pk,
                               "rejected": 1, "errors": [{"index": 1, "field": field, "reason": reason}]}  # fmt: skip
    assert Lead.objects.count() == 0  # nothing half-written: the good record is not kept either
    assert (delivery.status, delivery.rejected) == (DeliveryStatus.REJECTED, 1)
    assert delivery.errors == f"forms-lille:record 2: {field}: {reason}"
    run = SyncRun.objects.get()  # on the source's history, and its administrators are told
    assert (run.status, run.rejected, run.rejected_reasons) == (SyncStatus.FAILED, 1, delivery.errors)
    assert [m.to for m in mail.outbox] == [["admin@acme.example"]]


def test_a_rejected_body_is_judged_again_and_accepted_once_what_it_names_has_come(
    client, source, franchisor, celery_inline, django_capture_on_commit_callbacks
):
    conversation = {"external_id": "chat-1", "started_at": "2026-03-10T19:00:00+01:00", "node_slug": "lille",
                    "lead_external_id": "form-1"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, "conversations", conversation)  # the lead has not come yet
        again = post(client, "conversations", conversation)  # sent again as it was: still refused
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "leads", LEAD)
    with django_capture_on_commit_callbacks(execute=True):
        fixed = post(client, "conversations", conversation, timestamp=int(time.time()) - 1)

    assert (first.status_code, again.status_code, fixed.status_code) == (422, 422, 202)
    assert first.json()["errors"] == [{"index": 0, "field": "lead_external_id", "reason": "unknown lead 'form-1'"}]
    assert again.json()["delivery"] == first.json()["delivery"]  # on the history once
    assert fixed.json()["status"] == "accepted"
    assert Conversation.objects.get().lead == Lead.objects.get(external_id="form-1")
    assert list(WebhookDelivery.objects.order_by("pk").values_list("kind", "status")) == [
        ("conversations", DeliveryStatus.REJECTED), ("leads", DeliveryStatus.PROCESSED),
        ("conversations", DeliveryStatus.PROCESSED),
    ]  # fmt: skip
    assert sorted(SyncRun.objects.values_list("status", flat=True)) == ["failed", "succeeded", "succeeded"]
    assert len(mail.outbox) == 1


def test_a_conversation_linked_to_another_franchisees_lead_is_refused(
    client, tree, region_nord, franchisee_roubaix, celery_inline, django_capture_on_commit_callbacks
):
    # a region's chatbot may write Lille's and Roubaix's conversations, but never link one to the other's lead
    source_register(slug="bot-nord", kind="webhook", node=region_nord, secret=SECRET)
    LeadFactory(external_id="roubaix-lead", node=franchisee_roubaix)
    conversation = {"external_id": "chat-1", "started_at": "2026-03-10T19:00:00+01:00", "node_slug": "lille",
                    "lead_external_id": "roubaix-lead"}  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "conversations", conversation, slug="bot-nord")

    assert response.status_code == 422
    assert response.json()["errors"] == [{"index": 0, "field": "lead_external_id",
                                          "reason": "lead 'roubaix-lead' belongs to roubaix, not lille"}]  # fmt: skip
    assert Conversation.objects.count() == 0


def test_a_delivery_that_fails_unexpectedly_in_the_worker_is_rejected_saying_so(
    client, source, franchisor, celery_inline, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert post(client, "leads", LEAD).status_code == 202

    def bug(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("ingestion.webhooks.import_rows", bug)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.REJECTED  # not "received" for ever
    run = SyncRun.objects.get()
    assert (run.status, run.error) == (SyncStatus.FAILED, f"webhook delivery {delivery.pk}: unexpected error "
                                                          "(RuntimeError); nothing was written")  # fmt: skip
    assert Lead.objects.count() == 0 and len(mail.outbox) == 1


def test_a_rejected_delivery_emails_the_networks_admins_after_commit(client, source, franchisor, celery_inline,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "leads", dict(LEAD, score=400))

    assert [m.to for m in mail.outbox] == [["admin@acme.example"]]
    assert "score: 400 is above 100" in mail.outbox[0].body


@pytest.mark.parametrize(
    "body",
    [
        b"not json", b"[]", b"[1, 2]", b'"a string"', b"null", b"42", b"[{}, 1]", b"[[{}]]",
        b"[" * 100_000 + b"]" * 100_000,  # json.loads raises RecursionError
        b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
        json.dumps(LEAD).encode("utf-16"),  # JSON, but not in UTF-8
        b'{"external_id": "\xff"}',
    ],
    ids=["not-json", "empty-list", "numbers", "string", "null", "number", "object-and-number", "nested-list",
         "nested-100000-lists", "nested-100000-objects", "utf-16", "not-utf-8"],
)  # fmt: skip
def test_a_signed_body_that_is_not_objects_gets_400_and_nothing_is_stored(client, source, body):
    response = post(client, "leads", body)

    assert response.status_code == 400 and WebhookDelivery.objects.count() == 0
    assert response.json()["detail"]


@pytest.mark.parametrize("age", [0, 400], ids=["fresh", "stale"])
def test_an_unknown_source_gets_the_same_answer_as_a_wrong_signature(client, source, age):
    unknown = post(client, "leads", LEAD, slug="no-such-source", age=age)
    wrong = post(client, "leads", LEAD, secret="another-secret", age=age)

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


@pytest.mark.parametrize("size", [3 * 1024 * 1024, "the limit"])
def test_a_body_up_to_the_documented_limit_is_accepted(client, source, settings, celery_inline,
                                                       django_capture_on_commit_callbacks, size):  # fmt: skip
    size = settings.INGESTION_WEBHOOK_MAX_BYTES if size == "the limit" else size
    assert size > global_settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # beyond what Django reads by default
    record = json.dumps(LEAD).encode()
    body = record + b" " * (size - len(record))  # valid JSON of exactly `size` bytes

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "leads", body)

    assert (len(body), response.status_code) == (size, 202)
    assert Lead.objects.get().external_id == "form-1"


def test_a_body_over_the_limit_gets_413_and_nothing_is_stored(client, source, settings):
    record = json.dumps(LEAD).encode()
    body = record + b" " * (settings.INGESTION_WEBHOOK_MAX_BYTES + 1 - len(record))

    response = post(client, "leads", body)

    assert response.status_code == 413 and WebhookDelivery.objects.count() == 0


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
        assert {"202", "400", "401", "413", "422"} <= set(operation["responses"])
        assert {p["name"] for p in operation["parameters"]} >= {"X-Timestamp", "X-Signature", "source_slug"}
