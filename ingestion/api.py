"""Webhook endpoints: signed by the source's secret, not by a session or a token, so they carry no authentication
class (and so no CSRF check, which DRF only applies to session authentication): the signature is the authentication.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .constants import DeliveryKind
from .importing import FACT_FORMATS
from .webhooks import WebhookMalformed, WebhookRefused, WebhookRejected, webhook_receive

_accepted = inline_serializer("WebhookAccepted", {
    "delivery": serializers.IntegerField(help_text="Id of the stored delivery."),
    "status": serializers.ChoiceField(choices=["accepted", "duplicate"],
                                      help_text="duplicate: this body was delivered before; no further effect."),
})  # fmt: skip
_problem = inline_serializer("WebhookProblem", {"detail": serializers.CharField()})
_rejected = inline_serializer("WebhookRejected", {
    "detail": serializers.CharField(),
    "delivery": serializers.IntegerField(help_text="Id of the delivery, kept as rejected on the source's history."),
    "rejected": serializers.IntegerField(help_text="Records rejected, in all."),
    "errors": inline_serializer("WebhookRecordProblem", {
        "index": serializers.IntegerField(help_text="The record's place in the body's list, from 0 (0 for a single "
                                                    "object)."),
        "field": serializers.CharField(help_text="The column at fault ('-' for the record as a whole)."),
        "reason": serializers.CharField(),
    }, many=True, help_text="The first 50 problems."),
})  # fmt: skip
_headers = [
    OpenApiParameter("X-Timestamp", str, OpenApiParameter.HEADER, required=True,
                     description="Unix time of signing, in seconds; refused more than 300 s away."),
    OpenApiParameter("X-Signature", str, OpenApiParameter.HEADER, required=True,
                     description="sha256=<hex HMAC-SHA256 of '<X-Timestamp>.<raw body>', keyed with the source's "
                                 "secret>."),
]  # fmt: skip


def _row_schema(kind):
    fmt = FACT_FORMATS[kind]
    fields = {column: serializers.CharField(required=column in fmt.required) for column in fmt.required + fmt.optional}
    return inline_serializer(f"Webhook{kind.title()}Record", fields)


class _WebhookApi(APIView):
    authentication_classes = []
    checks_its_own_body = True  # signed bytes, judged record by record (NUL characters too), not by a middleware
    permission_classes = [AllowAny]
    kind = None

    def post(self, request, source_slug):
        limit = settings.INGESTION_WEBHOOK_MAX_BYTES
        try:
            body = request.body  # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE (settings: at least limit)
        except RequestDataTooBig:
            body = None
        if body is None or len(body) > limit:
            return Response({"detail": f"the body is larger than {limit} bytes"},
                            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)  # fmt: skip
        try:
            delivery, created = webhook_receive(
                source_slug=source_slug, kind=self.kind, timestamp=request.headers.get("X-Timestamp"),
                signature=request.headers.get("X-Signature"), body=body,
            )  # fmt: skip
        except WebhookRefused as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_401_UNAUTHORIZED)
        except WebhookMalformed as problem:
            return Response({"detail": str(problem)}, status=status.HTTP_400_BAD_REQUEST)
        except WebhookRejected as rejection:
            return Response({"detail": str(rejection), "delivery": rejection.delivery.pk, "rejected": rejection.count,
                             "errors": rejection.errors}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)  # fmt: skip
        return Response({"delivery": delivery.pk, "status": "accepted" if created else "duplicate"},
                        status=status.HTTP_202_ACCEPTED)  # fmt: skip


def _documented(kind, summary):
    return extend_schema(
        operation_id=f"webhook_{kind}",
        summary=summary,
        description=(
            f"A JSON object, or a list of objects, with the columns of {kind}.csv, in UTF-8. Signed by the source "
            "(see the headers). Every record is checked as the import checks it, within the source's node subtree: "
            "a body with a bad record is refused (422, each problem named), kept as a rejected delivery on the "
            "source's history; a good one is accepted at once (202) and imported after commit. The same body "
            "accepted again has no further effect; a rejected one is checked again."
        ),
        parameters=_headers,
        request=_row_schema(kind),
        responses={
            202: _accepted,
            400: OpenApiResponse(_problem, description="Signed, but not a JSON object or list of objects in UTF-8: "
                                                       "nothing is stored."),
            401: OpenApiResponse(_problem, description="Missing or wrong signature, an unknown source, or a stale "
                                                       "timestamp: nothing is stored."),
            413: OpenApiResponse(_problem, description="The body is larger than INGESTION_WEBHOOK_MAX_BYTES (5 MB "
                                                       "by default): nothing is stored."),
            422: OpenApiResponse(_rejected, description="Signed, but with records that cannot be imported: nothing "
                                                        "is imported; the delivery is kept as rejected."),
        },
        examples=[OpenApiExample("One record", value={"external_id": "form-123", "created_at": "2026-03-10T18:40:00Z",
                                                      "node_slug": "lille"}, request_only=True)]
        if kind == DeliveryKind.LEADS else [],
        auth=[],
        tags=["webhooks"],
    )  # fmt: skip


class WebhookLeadsApi(_WebhookApi):
    """Leads pushed by a form or a CRM."""

    kind = DeliveryKind.LEADS

    @_documented(DeliveryKind.LEADS, "Push leads")
    def post(self, request, source_slug):
        return super().post(request, source_slug)


class WebhookConversationsApi(_WebhookApi):
    """Conversations pushed by a chatbot or a messaging platform."""

    kind = DeliveryKind.CONVERSATIONS

    @_documented(DeliveryKind.CONVERSATIONS, "Push conversations")
    def post(self, request, source_slug):
        return super().post(request, source_slug)
