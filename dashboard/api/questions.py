"""The questions endpoints: list, read, ask and reply, each through the caller's scope."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts.selectors import node_network
from kpis.catalog import CATALOG
from kpis.periods import PeriodKind, period_containing
from kpis.validators import validate_day_in_bounds

from ..models import Message, Thread, ThreadStatus
from ..questions.selectors import threads_visible
from ..questions.services import thread_answer, thread_open, thread_reply
from ..text import MAX_MESSAGE_LENGTH
from .base import ScopedApiView, ScopedListApiView, ScopedRetrieveApiView, service_call


@extend_schema_serializer(component_name="Thread")
class ThreadOutputSerializer(serializers.ModelSerializer):
    node = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = serializers.SlugRelatedField(slug_field="email", read_only=True)
    addressee = serializers.SlugRelatedField(slug_field="email", read_only=True)
    automatic = serializers.BooleanField(source="is_automatic", read_only=True)

    class Meta:
        model = Thread
        fields = ["id", "kpi", "node", "period_kind", "period_start", "period_end", "status", "author", "addressee",
                  "automatic", "created_at", "updated_at"]  # fmt: skip


class ThreadListApi(ScopedListApiView):
    """Questions on the nodes the caller may see, latest activity first; ?node=, ?kpi=, ?status= narrow them,
    ?for_me=1 keeps those addressed to the caller."""

    serializer_class = ThreadOutputSerializer

    @extend_schema(parameters=[OpenApiParameter("node", str), OpenApiParameter("kpi", str),
                               OpenApiParameter("status", str, enum=ThreadStatus.values),
                               OpenApiParameter("for_me", bool)])  # fmt: skip
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def unscoped_queryset(self):
        threads = Thread.objects.select_related("node", "author", "addressee").order_by("-updated_at", "-id")
        params = self.request.query_params
        if params.get("node"):
            threads = threads.filter(node__slug=params["node"])
        if params.get("kpi"):
            threads = threads.filter(kpi=params["kpi"])
        if params.get("status"):
            threads = threads.filter(status=params["status"])
        if params.get("for_me") in ("1", "true"):
            threads = threads.filter(addressee=self.request.user)
        return threads


class MessageOutputSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = Message
        fields = ["id", "author", "body", "observation", "analysis", "recommendation", "created_at"]


class ThreadDetailApi(ScopedRetrieveApiView):
    """One question with its messages (raw text: clients escape it, as the board does)."""

    @extend_schema_serializer(component_name="ThreadDetail")
    class OutputSerializer(ThreadOutputSerializer):
        messages = MessageOutputSerializer(many=True, read_only=True)

        class Meta(ThreadOutputSerializer.Meta):
            fields = [*ThreadOutputSerializer.Meta.fields, "messages"]

    serializer_class = OutputSerializer

    def unscoped_queryset(self):
        return Thread.objects.select_related("node", "author", "addressee").prefetch_related("messages__author")


class ThreadCreateApi(ScopedApiView):
    """Ask a question about a KPI on a visible node over a period (a month by default, the one containing `day`,
    today when absent); it goes to the person responsible (see the answer's `addressee`)."""

    @extend_schema_serializer(component_name="QuestionInput")
    class InputSerializer(serializers.Serializer):
        kpi = serializers.ChoiceField(choices=list(CATALOG))
        node = serializers.SlugField()
        period = serializers.ChoiceField(choices=[k for k in PeriodKind.values if k != PeriodKind.CUSTOM],
                                         default=PeriodKind.MONTH)  # fmt: skip
        day = serializers.DateField(required=False, validators=[validate_day_in_bounds])
        body = serializers.CharField(max_length=MAX_MESSAGE_LENGTH)

    @extend_schema(request=InputSerializer, responses={201: ThreadOutputSerializer})
    def post(self, request):
        params = self.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        node = self.visible_node(data["node"])
        network = node_network(node=node)
        period = period_containing(data["period"], data.get("day") or timezone.localdate(timezone=network.zone),
                                   fiscal_year_start_month=network.fiscal_year_start_month)  # fmt: skip
        thread = service_call(thread_open, kpi=data["kpi"], node=node, period=period, body=data["body"],
                          author=request.user)  # fmt: skip
        return Response(ThreadOutputSerializer(thread).data, status=201)


class ThreadReplyApi(ScopedApiView):
    """Reply to a visible question; with any of observation, analysis, recommendation, the reply is a structured
    answer (and an open question becomes answered)."""

    @extend_schema_serializer(component_name="ReplyInput")
    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=MAX_MESSAGE_LENGTH, required=False, allow_blank=True)
        observation = serializers.CharField(max_length=MAX_MESSAGE_LENGTH, required=False, allow_blank=True)
        analysis = serializers.CharField(max_length=MAX_MESSAGE_LENGTH, required=False, allow_blank=True)
        recommendation = serializers.CharField(max_length=MAX_MESSAGE_LENGTH, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses={201: MessageOutputSerializer})
    def post(self, request, pk):
        thread = get_object_or_404(threads_visible(user=request.user), pk=pk)
        params = self.InputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        structured = {k: data.get(k, "") for k in ("observation", "analysis", "recommendation")}
        if any(structured.values()):
            message = service_call(thread_answer, thread=thread, author=request.user, body=data.get("body", ""),
                               **structured)  # fmt: skip
        else:
            message = service_call(thread_reply, thread=thread, author=request.user, body=data.get("body", ""))
        return Response(MessageOutputSerializer(message).data, status=201)
