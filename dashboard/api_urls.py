from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from accounts.views import TokenView

from . import api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("kpis/<str:key>/value/", api.KpiValueApi.as_view(), name="api-kpi-value"),
    path("kpis/<str:key>/peers/", api.KpiPeersApi.as_view(), name="api-kpi-peers"),
    path("board/", api.BoardApi.as_view(), name="api-board"),
    path("board/csv/", api.BoardCsvApi.as_view(), name="api-board-csv"),
    path("board/pdf/", api.BoardPdfApi.as_view(), name="api-board-pdf"),
    path("nodes/", api.NodeListApi.as_view(), name="api-nodes"),
    path("leads/", api.LeadListApi.as_view(), name="api-leads"),
    path("leads/<int:pk>/", api.LeadDetailApi.as_view(), name="api-lead"),
    path("questions/", api.ThreadListApi.as_view(), name="api-questions"),
    path("questions/create/", api.ThreadCreateApi.as_view(), name="api-question-create"),
    path("questions/<int:pk>/", api.ThreadDetailApi.as_view(), name="api-question"),
    path("questions/<int:pk>/reply/", api.ThreadReplyApi.as_view(), name="api-question-reply"),
]
