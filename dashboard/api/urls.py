from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from accounts.views import TokenView

from . import facts, kpis, questions

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("kpis/<str:key>/value/", kpis.KpiValueApi.as_view(), name="api-kpi-value"),
    path("kpis/<str:key>/peers/", kpis.KpiPeersApi.as_view(), name="api-kpi-peers"),
    path("board/", kpis.BoardApi.as_view(), name="api-board"),
    path("board/csv/", kpis.BoardCsvApi.as_view(), name="api-board-csv"),
    path("board/xlsx/", kpis.BoardXlsxApi.as_view(), name="api-board-xlsx"),
    path("board/pdf/", kpis.BoardPdfApi.as_view(), name="api-board-pdf"),
    path("nodes/", facts.NodeListApi.as_view(), name="api-nodes"),
    path("leads/", facts.LeadListApi.as_view(), name="api-leads"),
    path("leads/<int:pk>/", facts.LeadDetailApi.as_view(), name="api-lead"),
    path("questions/", questions.ThreadListApi.as_view(), name="api-questions"),
    path("questions/create/", questions.ThreadCreateApi.as_view(), name="api-question-create"),
    path("questions/<int:pk>/", questions.ThreadDetailApi.as_view(), name="api-question"),
    path("questions/<int:pk>/reply/", questions.ThreadReplyApi.as_view(), name="api-question-reply"),
]
