"""Webhook endpoints: signed by the source's secret, not by a session or a token, so they carry no authentication
class (and so no CSRF check, which DRF only applies to session authentication): the signature is the authentication.
"""

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .constants import DeliveryKind
from .importing import FACT_FORMATS
from .webhooks import WebhookMalformed, WebhookRefused, webhook_receive

_accepted = inline_serializer("WebhookAccepted", {
    "delivery": serializers.IntegerField(help_text="Id of the stored delivery."),
    "status": serializers.ChoiceField(choices=["accepted", "duplicate"],
                                      help_text="duplicate: this body was delivered before; no further effect."),
})  # fmt: skip
_problem = inline_serializer("WebhookProblem", {"detail": serializers.CharField()})
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
    permission_classes = [AllowAny]
    kind = None

    def post(self, request, source_slug):
        body = request.body
        if len(body) > settings.INGESTION_WEBHOOK_MAX_BYTES:
            return Response({"detail": "the body is too large"}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        try:
            delivery, created = webhook_receive(
                source_slug=source_slug, kind=self.kind, timestamp=request.headers.get("X-Timestamp"),
                signature=request.headers.get("X-Signature"), body=body,
            )  # fmt: skip
        except WebhookRefused as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_401_UNAUTHORIZED)
        except WebhookMalformed as problem:
            return Response({"detail": str(problem)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"delivery": delivery.pk, "status": "accepted" if created else "duplicate"},
                        status=status.HTTP_202_ACCEPTED)  # fmt: skip


def _documented(kind, summary):
    return extend_schema(
        operation_id=f"webhook_{kind}",
        summary=summary,
        description=(
            f"A JSON object, or a list of objects, with the columns of {kind}.csv. Signed by the source (see the "
            "headers); accepted at once (202) and imported after commit, within the source's node subtree. "
            "The same body delivered again has no further effect."
        ),
        parameters=_headers,
        request=_row_schema(kind),
        responses={
            202: _accepted,
            400: OpenApiResponse(_problem, description="Signed, but not a JSON object or list of objects."),
            401: OpenApiResponse(_problem, description="Missing or wrong signature, or a stale timestamp: nothing "
                                                       "is stored."),  # fmt: skip
            413: OpenApiResponse(_problem, description="The body is too large."),
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
