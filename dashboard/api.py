"""The REST API. One view per operation; every read goes through accounts.scoping."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scoping import visible_nodes
from kpis.catalog import CATALOG
from kpis.periods import custom_period
from kpis.selectors import kpi_value_payload, rollup_rows

_comparison = inline_serializer(
    "KpiComparison",
    {
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "value": serializers.FloatField(allow_null=True),
    },
)


class KpiValueApi(APIView):
    """One KPI for a node and everything below it, over an inclusive date range, with the previous period of the
    same length and the same range last year."""

    class InputSerializer(serializers.Serializer):
        node = serializers.SlugField()
        start = serializers.DateField()
        end = serializers.DateField()

        def validate(self, data):
            if data["end"] < data["start"]:
                raise serializers.ValidationError({"end": "end is before start."})
            return data

    class OutputSerializer(serializers.Serializer):
        key = serializers.CharField()
        node = serializers.SlugField()
        start = serializers.DateField()
        end = serializers.DateField()
        value = serializers.FloatField(allow_null=True)
        unit = serializers.ChoiceField(choices=["%", "money", "count", "ratio", "seconds", "score"])
        numerator = serializers.FloatField(allow_null=True)
        denominator = serializers.FloatField(allow_null=True)
        previous = _comparison
        last_year = _comparison
        target = serializers.FloatField(allow_null=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("key", str, OpenApiParameter.PATH, enum=list(CATALOG)),
            InputSerializer,
        ],
        responses=OutputSerializer,
    )
    def get(self, request, key):
        if key not in CATALOG:
            raise NotFound(f"Unknown KPI {key!r}.")
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        node = get_object_or_404(visible_nodes(request.user), slug=params.validated_data["node"])
        period = custom_period(params.validated_data["start"], params.validated_data["end"])
        payload = kpi_value_payload(rows=rollup_rows(user=request.user), key=key, node=node, period=period)
        return Response(payload)
