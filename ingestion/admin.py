from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_scoping import ScopedModelAdmin

from .crypto import credentials_decrypt, credentials_encrypt
from .models import DataSource, SyncRun, WebhookDelivery, WorkerHeartbeat
from .services import source_schedule_set


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["hostname", "seen_at", "beats"]
    search_fields = ["hostname"]
    readonly_fields = ["hostname", "seen_at", "beats"]


class DataSourceForm(forms.ModelForm):
    """Credentials are written, never read back: a new secret replaces the stored one, a blank field keeps it."""

    new_secret = forms.CharField(
        label=_("New secret or token"), required=False, widget=forms.PasswordInput,
        help_text=_("Leave blank to keep the stored credentials; they are never shown."),
    )  # fmt: skip

    class Meta:
        model = DataSource
        fields = ["slug", "name", "kind", "node", "config", "schedule_time", "enabled", "lookback_days"]

    def save(self, commit=True):
        source = super().save(commit=False)
        if self.cleaned_data.get("new_secret"):
            credentials = credentials_decrypt(source.credentials)
            credentials["secret"] = self.cleaned_data["new_secret"]
            source.credentials = credentials_encrypt(credentials)
        if commit:
            source.save()
        return source


@admin.register(DataSource)
class DataSourceAdmin(ScopedModelAdmin):
    form = DataSourceForm
    list_display = ["slug", "name", "kind", "node", "enabled", "schedule_time", "next_run_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["slug", "name", "node__slug"]
    readonly_fields = ["next_run_at", "state", "created_at"]
    raw_id_fields = ["node"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        source_schedule_set(source=obj, time_of_day=obj.schedule_time, enabled=obj.enabled)  # computes next_run_at


class ReadOnlyAdmin(ScopedModelAdmin):
    """Records of what happened: read, never written by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    scope_via = "source__node"
    list_display = ["source", "trigger", "status", "queued_at", "finished_at", "created", "updated", "unchanged",
                    "rejected", "attempt"]  # fmt: skip
    list_filter = ["status", "trigger"]
    search_fields = ["source__slug", "error"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    scope_via = "source__node"
    list_display = ["source", "kind", "received_at", "status", "created", "updated", "unchanged", "rejected"]
    list_filter = ["status", "kind"]
    search_fields = ["source__slug", "digest"]
