"""The REST API's foundations. One view per operation; every read goes through accounts.scoping.

Views that read facts derive from the scoped bases below: list and detail views supply an *unscoped* queryset
and the base narrows it to the caller, and a subclass that tries to override get_queryset fails at import time.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from rest_framework import generics, serializers
from rest_framework.views import APIView

from accounts.scoping import restrict, visible_nodes
from accounts.selectors import node_network
from kpis.periods import custom_period, range_reversed
from kpis.validators import validate_day_in_bounds


class ScopedApiView(APIView):
    """Base of API views that read KPI values: node lookups 404 outside the caller's scope."""

    def visible_node(self, slug):
        return get_object_or_404(visible_nodes(self.request.user), slug=slug)

    def node_and_range(self):
        """The visible node and the inclusive range of ?node=&start=&end=, and the node's network's local day."""
        params = RangeInputSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        node = self.visible_node(params.validated_data["node"])
        period = custom_period(params.validated_data["start"], params.validated_data["end"])
        return node, period, timezone.localdate(timezone=node_network(node=node).zone)


class _ScopedQuerysetMixin:
    """Applies the one door to `unscoped_queryset()`; `node_via` is how a row reaches its node
    (accounts.models.in_subtree: "node", or "" for nodes themselves)."""

    node_via = "node"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: override unscoped_queryset(), never get_queryset(): it applies the scope")

    def unscoped_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        return restrict(self.unscoped_queryset(), self.request.user, via=self.node_via)


class ScopedListApiView(_ScopedQuerysetMixin, generics.ListAPIView):
    pass


class ScopedRetrieveApiView(_ScopedQuerysetMixin, generics.RetrieveAPIView):
    pass


class RangeInputSerializer(serializers.Serializer):
    """?node=<slug>&start=YYYY-MM-DD&end=YYYY-MM-DD, inclusive."""

    node = serializers.SlugField()
    start = serializers.DateField(validators=[validate_day_in_bounds])
    end = serializers.DateField(validators=[validate_day_in_bounds])

    def validate(self, data):
        if reason := range_reversed(data["start"], data["end"]):
            raise serializers.ValidationError({"end": reason})
        return data


def service_call(function, **kwargs):
    """A service's ValidationError as a 400 with its fields."""
    try:
        return function(**kwargs)
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else error.messages
        raise serializers.ValidationError(detail) from error
