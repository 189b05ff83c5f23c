"""The REST API. One view per operation; every read goes through accounts.scoping.

Views that read facts derive from the scoped bases below: list and detail views supply an *unscoped* queryset
and the base narrows it to the caller, and a subclass that tries to override get_queryset fails at import time.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Node
from accounts.scoping import restrict, visible_nodes
from accounts.selectors import node_network
from kpis.catalog import CATALOG, Formula
from kpis.engine import json_number, kpi_payload
from kpis.models import Lead
from kpis.periods import PeriodKind, custom_period, period_containing
from kpis.selectors import (
    board_layout,
    board_tiles,
    kpi_value_payload,
    leads_under,
    peer_comparison_payload,
    rollup_rows,
)

from .exports import board_csv, board_pdf
from .models import Message, Thread, ThreadStatus
from .selectors import threads_visible
from .services import MAX_MESSAGE_LENGTH, thread_answer, thread_open, thread_reply


class ScopedApiView(APIView):
    """Base of API views that read KPI values: node lookups 404 outside the caller's scope, and rollups come
    narrowed to it."""

    def visible_node(self, slug):
        return get_object_or_404(visible_nodes(self.request.user), slug=slug)

    def rollups(self):
        return rollup_rows(user=self.request.user)


class _ScopedQuerysetMixin:
    """Applies the one door to `unscoped_queryset()`; `node_field` is the path from a row to its node."""

    node_field = "node"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: override unscoped_queryset(), never get_queryset(): it applies the scope")

    def unscoped_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        return restrict(self.unscoped_queryset(), self.request.user, node_field=self.node_field)


class ScopedListApiView(_ScopedQuerysetMixin, generics.ListAPIView):
    pass


class ScopedRetrieveApiView(_ScopedQuerysetMixin, generics.RetrieveAPIView):
    pass


class RangeInputSerializer(serializers.Serializer):
    """?node=<slug>&start=YYYY-MM-DD&end=YYYY-MM-DD, inclusive."""

    node = serializers.SlugField()
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, data):
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": "end is before start."})
        return data


_comparison = inline_serializer(
    "KpiComparison",
    {
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "value": serializers.FloatField(allow_null=True),
    },
)


class _KpiOnRangeOutput(serializers.Serializer):
    """What every KPI answer starts with: which KPI, node and range, and its value."""

    key = serializers.CharField()
    node = serializers.SlugField()
    start = serializers.DateField()
    end = serializers.DateField()
    value = serializers.FloatField(allow_null=True)


class KpiValueApi(ScopedApiView):
    """One KPI for a node and everything below it, over an inclusive date range, with the previous period of the
    same length and the same range last year."""

    @extend_schema_serializer(component_name="KpiValue")
    class OutputSerializer(_KpiOnRangeOutput):
        unit = serializers.ChoiceField(choices=["%", "money", "count", "ratio", "seconds", "score"])
        numerator = serializers.FloatField(allow_null=True)
        denominator = serializers.FloatField(allow_null=True)
        previous = _comparison
        last_year = _comparison
        target = serializers.FloatField(allow_null=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("key", str, OpenApiParameter.PATH, enum=list(CATALOG)),
            RangeInputSerializer,
        ],
        responses=OutputSerializer,
    )
    def get(self, request, key):
        if key not in CATALOG:
            raise NotFound(f"Unknown KPI {key!r}.")
        params = RangeInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        node = self.visible_node(params.validated_data["node"])
        period = custom_period(params.validated_data["start"], params.validated_data["end"])
        return Response(kpi_value_payload(rows=self.rollups(), key=key, node=node, period=period))


class KpiPeersApi(ScopedApiView):
    """A node's KPI beside the anonymised spread of its peers (the network's nodes of the same kind): median and
    quartiles only, never a peer's name or figure. Answers no spread with fewer than five peers."""

    @extend_schema_serializer(component_name="KpiPeers")
    class OutputSerializer(_KpiOnRangeOutput):
        peers = serializers.IntegerField()
        q1 = serializers.FloatField(allow_null=True)
        median = serializers.FloatField(allow_null=True)
        q3 = serializers.FloatField(allow_null=True)

    @extend_schema(
        parameters=[OpenApiParameter("key", str, OpenApiParameter.PATH, enum=list(CATALOG)), RangeInputSerializer],
        responses=OutputSerializer,
    )
    def get(self, request, key):
        if key not in CATALOG or CATALOG[key].formula == Formula.GROWTH:
            raise NotFound(f"No peer comparison for {key!r}.")
        params = RangeInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        node = self.visible_node(params.validated_data["node"])
        period = custom_period(params.validated_data["start"], params.validated_data["end"])
        return Response(peer_comparison_payload(node=node, key=key, period=period, rows=self.rollups()))


class NodeListApi(ScopedListApiView):
    """The nodes the caller may see."""

    node_field = None

    @extend_schema_serializer(component_name="Node")
    class OutputSerializer(serializers.ModelSerializer):
        parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)

        class Meta:
            model = Node
            fields = ["slug", "name", "kind", "parent", "path"]

    serializer_class = OutputSerializer

    def unscoped_queryset(self):
        return Node.objects.select_related("parent").order_by("path")


class LeadOutputSerializer(serializers.ModelSerializer):
    node = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    campaign = serializers.SlugRelatedField(slug_field="external_id", read_only=True)

    class Meta:
        model = Lead
        fields = ["id", "external_id", "created_at", "day", "node", "campaign", "source", "medium", "segment",
                  "score", "qualified", "customer", "revenue", "purchases"]  # fmt: skip


class LeadListApi(ScopedListApiView):
    """Single leads under a visible node, newest first, paginated; ?search= matches id, source, medium, segment."""

    serializer_class = LeadOutputSerializer

    @extend_schema(parameters=[RangeInputSerializer, OpenApiParameter("search", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def unscoped_queryset(self):
        params = RangeInputSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        node = get_object_or_404(visible_nodes(self.request.user), slug=params.validated_data["node"])
        return leads_under(node=node, start=params.validated_data["start"], end=params.validated_data["end"],
                           search=self.request.query_params.get("search", ""))  # fmt: skip


class LeadDetailApi(ScopedRetrieveApiView):
    serializer_class = LeadOutputSerializer

    def unscoped_queryset(self):
        return Lead.objects.select_related("node", "campaign")


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
        day = serializers.DateField(required=False)
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
        thread = _service(thread_open, kpi=data["kpi"], node=node, period=period, body=data["body"],
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
            message = _service(thread_answer, thread=thread, author=request.user, body=data.get("body", ""),
                               **structured)  # fmt: skip
        else:
            message = _service(thread_reply, thread=thread, author=request.user, body=data.get("body", ""))
        return Response(MessageOutputSerializer(message).data, status=201)


def _service(function, **kwargs):
    """A service's ValidationError as a 400 with its fields."""
    try:
        return function(**kwargs)
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else error.messages
        raise serializers.ValidationError(detail) from error


class _BoardApi(ScopedApiView):
    """The board of a visible node over an inclusive range: the tiles of its network's home board."""

    def board(self, request):
        params = RangeInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        node = self.visible_node(params.validated_data["node"])
        period = custom_period(params.validated_data["start"], params.validated_data["end"])
        today = timezone.localdate(timezone=node_network(node=node).zone)
        return node, period, today

    def tiles(self, node, period, today):
        return board_tiles(rows=self.rollups(), node=node, keys=board_layout(network=node_network(node=node)).home_kpis,
                           period=period, today=today, series_periods=[])  # fmt: skip


class BoardApi(_BoardApi):
    """Each tile's value with the previous period and the same period last year (a range under way is compared to
    date), and the objective set for exactly this node and range, with its progress and pace."""

    @extend_schema_serializer(component_name="Board")
    class OutputSerializer(serializers.Serializer):
        node = serializers.SlugField()
        start = serializers.DateField()
        end = serializers.DateField()
        tiles = inline_serializer("BoardTile", {
            **KpiValueApi.OutputSerializer().fields, "name": serializers.CharField(),
            "progress": serializers.FloatField(allow_null=True),
            "pace": serializers.CharField(allow_null=True),
        }, many=True)  # fmt: skip

    @extend_schema(parameters=[RangeInputSerializer], responses=OutputSerializer)
    def get(self, request):
        node, period, today = self.board(request)
        tiles = [
            {**kpi_payload(report=tile.report, node=node, target=tile.objective.target if tile.objective else None),
             "name": str(tile.kpi.name), "progress": json_number(tile.objective.progress) if tile.objective else None,
             "pace": tile.objective.pace if tile.objective else None}
            for tile in self.tiles(node, period, today)
        ]  # fmt: skip
        return Response({"node": node.slug, "start": period.start, "end": period.end, "tiles": tiles})


class BoardCsvApi(_BoardApi):
    """The board's tiles as CSV: one row per KPI with its value, comparisons and objective."""

    @extend_schema(parameters=[RangeInputSerializer], responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        node, period, today = self.board(request)
        return board_csv(tiles=self.tiles(node, period, today), node=node, period=period)


class BoardPdfApi(_BoardApi):
    """The board as the PDF of a report on that node and range, as the caller sees it, in their language."""

    @extend_schema(parameters=[RangeInputSerializer], responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request):
        node, period, today = self.board(request)
        with override(request.user.language):
            return board_pdf(user=request.user, node=node, period=period, today=today)
