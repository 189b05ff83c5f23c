from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard.health import healthz

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before api/v1/: signed by the source, not by a session or a token.
    path("api/v1/webhooks/", include("ingestion.urls")),
    path("api/v1/", include("dashboard.api.urls")),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("", include("dashboard.urls")),
]

handler400 = "dashboard.errors.bad_request"
