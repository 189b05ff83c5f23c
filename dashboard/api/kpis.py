"""The KPI endpoints: one KPI's value, its peers' spread, and the board as JSON, CSV, XLSX and PDF. Every figure is the
board's (kpis.boards), shaped by the contract's serializers (kpis.contract): each board tile equals the KPI value
API for the same node and range, field by field, and the page, the CSV, the PDF and the e-mail show these figures.

The board's CSV and XLSX are endpoints of their own (board/csv/, board/xlsx/, beside board/pdf/) rather than
?format=: DRF reads `format` as its renderer override, and the files are the pages' exports, in the request's
language (dashboard.spreadsheets), not renderings of the JSON.
"""

from django.utils.translation import override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.selectors import node_network
from kpis.boards import board_read, kpi_tile, peer_comparison
from kpis.catalog import CATALOG, Formula
from kpis.contract import BoardSerializer, KpiValueSerializer, PeerComparisonSerializer
from kpis.selectors import board_layout

from ..board.exports import board_pdf, board_table
from ..spreadsheets import XLSX_CONTENT_TYPE, table_response
from .base import RangeInputSerializer, ScopedApiView

KPI_KEY = OpenApiParameter("key", str, OpenApiParameter.PATH, enum=list(CATALOG))


class KpiValueApi(ScopedApiView):
    """One KPI for a node and everything below it, over an inclusive date range, with the previous comparable
    period and the same period last year (a calendar period typed as dates compares with the previous one of its
    kind; a range under way is counted, and compared, to date)."""

    @extend_schema(parameters=[KPI_KEY, RangeInputSerializer], responses=KpiValueSerializer)
    def get(self, request, key):
        if key not in CATALOG:
            raise NotFound(f"Unknown KPI {key!r}.")
        node, period, today = self.node_and_range()
        return Response(KpiValueSerializer(kpi_tile(user=request.user, key=key, node=node, period=period,
                                                    today=today)).data)  # fmt: skip


class KpiPeersApi(ScopedApiView):
    """A node's KPI beside the anonymised spread of its peers (the network's nodes of the same kind): median and
    quartiles only, never a peer's name or figure. Answers no spread with fewer than five peers."""

    @extend_schema(parameters=[KPI_KEY, RangeInputSerializer], responses=PeerComparisonSerializer)
    def get(self, request, key):
        if key not in CATALOG or CATALOG[key].formula == Formula.GROWTH:
            raise NotFound(f"No peer comparison for {key!r}.")
        node, period, today = self.node_and_range()
        comparison = peer_comparison(user=request.user, node=node, key=key, period=period, today=today)
        return Response(PeerComparisonSerializer(comparison).data)


class _BoardApi(ScopedApiView):
    """The board of a visible node over an inclusive range: the tiles of its network's home board."""

    def board(self):
        node, period, today = self.node_and_range()
        keys = board_layout(network=node_network(node=node)).home_kpis
        return board_read(user=self.request.user, node=node, keys=keys, period=period, today=today)


class BoardApi(_BoardApi):
    """Each tile's value with the previous period and the same period last year (a range under way is compared to
    date), and the objective set for exactly this node and range, with its progress and pace."""

    @extend_schema(parameters=[RangeInputSerializer], responses=BoardSerializer)
    def get(self, request):
        return Response(BoardSerializer(self.board()).data)


class BoardCsvApi(_BoardApi):
    """The board's tiles as CSV: one row per KPI with its value, comparisons and objective, in the conventions of
    the request's language (Accept-Language): French, `;` and a decimal comma; English, `,` and a decimal point."""

    @extend_schema(parameters=[RangeInputSerializer], responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        return table_response(board_table(self.board()), "csv")


class BoardXlsxApi(_BoardApi):
    """The board's tiles as an XLSX workbook: the CSV's rows and columns, with typed cells (numbers, dates,
    booleans, text)."""

    @extend_schema(parameters=[RangeInputSerializer], responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    def get(self, request):
        return table_response(board_table(self.board()), "xlsx")


class BoardPdfApi(_BoardApi):
    """The board as the PDF of a report on that node and range, as the caller sees it, in their language."""

    @extend_schema(parameters=[RangeInputSerializer], responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request):
        node, period, today = self.node_and_range()
        with override(request.user.language):
            return board_pdf(user=request.user, node=node, period=period, today=today)
