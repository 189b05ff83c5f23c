from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from accounts.views import TokenView

from . import api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("kpis/<str:key>/value/", api.KpiValueApi.as_view(), name="api-kpi-value"),
]
