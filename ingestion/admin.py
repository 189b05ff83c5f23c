from django.contrib import admin

from .models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["hostname", "seen_at", "beats"]
    search_fields = ["hostname"]
    readonly_fields = ["hostname", "seen_at", "beats"]
