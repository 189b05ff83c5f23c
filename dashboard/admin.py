"""The admin of "question this KPI": where franchisor administrators set the people responsible for KPIs and the
rules that open questions by themselves. Threads are read here, written on the board."""

from django import forms
from django.contrib import admin

from ingestion.admin import ReadOnlyAdmin
from kpis.catalog import CATALOG

from .models import Annotation, KpiOwner, QuestionRule, Report, ReportDelivery, ReportRecipient, Thread

KPI_CHOICES = [(key, f"{kpi.name} ({key})") for key, kpi in CATALOG.items()]


class KpiChoiceForm(forms.ModelForm):
    kpi = forms.ChoiceField(choices=KPI_CHOICES)


@admin.register(KpiOwner)
class KpiOwnerAdmin(admin.ModelAdmin):
    form = KpiChoiceForm
    list_display = ["kpi", "node", "user"]
    list_filter = ["kpi"]
    search_fields = ["node__name", "node__slug", "user__email"]
    autocomplete_fields = ["node", "user"]


@admin.register(QuestionRule)
class QuestionRuleAdmin(admin.ModelAdmin):
    form = KpiChoiceForm
    list_display = ["kpi", "node", "scope", "kind", "comparison", "threshold", "enabled"]
    list_filter = ["kind", "enabled", "comparison"]
    search_fields = ["node__name", "node__slug", "kpi"]
    autocomplete_fields = ["node"]


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["kpi", "node", "period_start", "author", "addressee", "status", "rule_key", "updated_at"]
    list_filter = ["status", "kpi"]
    search_fields = ["node__name", "node__slug", "author__email", "addressee__email"]
    readonly_fields = ["kpi", "node", "period_kind", "period_start", "period_end", "author", "rule", "rule_key"]
    autocomplete_fields = ["addressee"]


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["day", "node", "kpi", "text", "author"]
    search_fields = ["text", "node__name", "node__slug"]
    autocomplete_fields = ["node"]
    date_hierarchy = "day"


class ReportRecipientInline(admin.TabularInline):
    model = ReportRecipient
    extra = 1
    autocomplete_fields = ["user"]
    readonly_fields = ["unsubscribed_at"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Reports are created and previewed on the Reports page; here administrators also change their recipients."""

    list_display = ["name", "node", "cadence", "start_date", "send_time", "paused", "created_by"]
    list_filter = ["cadence", "paused"]
    search_fields = ["name", "node__name", "node__slug"]
    autocomplete_fields = ["node"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [ReportRecipientInline]


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(ReadOnlyAdmin):
    """What was sent, to whom, for which period, and why a send failed or was skipped."""

    list_display = ["report", "recipient", "period_start", "period_end", "status", "scheduled_for", "sent_at"]
    list_filter = ["status"]
    search_fields = ["report__name", "recipient__user__email"]
    date_hierarchy = "scheduled_for"
