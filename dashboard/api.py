"""The REST API. One view per operation; every read goes through accounts.scoping.

Views that read facts derive from the scoped bases below: list and detail views supply an *unscoped* queryset
and the base narrows it to the caller, and a subclass that tries to override get_queryset fails at import time.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Node
from accounts.scoping import restrict, visible_nodes
from kpis.catalog import CATALOG, Formula
from kpis.models import Lead
from kpis.periods import custom_period
from kpis.selectors import kpi_value_payload, leads_under, peer_comparison_payload, rollup_rows


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
