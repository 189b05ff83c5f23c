from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.authtoken.views import obtain_auth_token

from . import api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("kpis/<str:key>/value/", api.KpiValueApi.as_view(), name="api-kpi-value"),
]
