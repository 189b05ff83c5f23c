"""The fact endpoints: the nodes the caller may see, and single leads."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers

from accounts.models import Node
from accounts.scoping import visible_nodes
from kpis.models import Lead
from kpis.selectors import leads_visible

from .base import RangeInputSerializer, ScopedListApiView, ScopedRetrieveApiView


class NodeListApi(ScopedListApiView):
    """The nodes the caller may see."""

    node_via = ""

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
        return leads_visible(user=self.request.user, node=node, start=params.validated_data["start"],
                             end=params.validated_data["end"], search=self.request.query_params.get("search", ""))


class LeadDetailApi(ScopedRetrieveApiView):
    serializer_class = LeadOutputSerializer

    def unscoped_queryset(self):
        return Lead.objects.select_related("node", "campaign")
