from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from accounts.views import TokenView

from . import api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("kpis/<str:key>/value/", api.KpiValueApi.as_view(), name="api-kpi-value"),
    path("kpis/<str:key>/peers/", api.KpiPeersApi.as_view(), name="api-kpi-peers"),
    path("nodes/", api.NodeListApi.as_view(), name="api-nodes"),
    path("leads/", api.LeadListApi.as_view(), name="api-leads"),
    path("leads/<int:pk>/", api.LeadDetailApi.as_view(), name="api-lead"),
]
