"""The admin of "question this KPI": where franchisor administrators set the people responsible for KPIs and the
rules that open questions by themselves (threads are read here, written on the board); reports; and wall-screen
links with their playlists."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin_scoping import ScopedModelAdmin
from accounts.models import DisplayLink
from accounts.services import DISPLAY_LINK_MAX_DAYS, display_link_revoke
from ingestion.admin import ReadOnlyAdmin
from kpis.catalog import CATALOG

from .models import Annotation, KpiOwner, QuestionRule, Report, ReportDelivery, ReportRecipient, Thread
from .wall.playlists import display_link_configure, display_link_create, playlist_clean, playlist_parse, playlist_text

KPI_CHOICES = [(key, f"{kpi.name} ({key})") for key, kpi in CATALOG.items()]


class KpiChoiceForm(forms.ModelForm):
    kpi = forms.ChoiceField(choices=KPI_CHOICES)


@admin.register(KpiOwner)
class KpiOwnerAdmin(ScopedModelAdmin):
    network_admins_manage = True
    form = KpiChoiceForm
    list_display = ["kpi", "node", "user"]
    list_filter = ["kpi"]
    search_fields = ["node__name", "node__slug", "user__email"]
    autocomplete_fields = ["node", "user"]


@admin.register(QuestionRule)
class QuestionRuleAdmin(ScopedModelAdmin):
    network_admins_manage = True
    form = KpiChoiceForm
    list_display = ["kpi", "node", "scope", "kind", "comparison", "threshold", "enabled"]
    list_filter = ["kind", "enabled", "comparison"]
    search_fields = ["node__name", "node__slug", "kpi"]
    autocomplete_fields = ["node"]


@admin.register(Thread)
class ThreadAdmin(ScopedModelAdmin):
    list_display = ["kpi", "node", "period_start", "author", "addressee", "status", "rule_key", "updated_at"]
    list_filter = ["status", "kpi"]
    search_fields = ["node__name", "node__slug", "author__email", "addressee__email"]
    readonly_fields = ["kpi", "node", "period_kind", "period_start", "period_end", "author", "rule", "rule_key"]
    autocomplete_fields = ["addressee"]


@admin.register(Annotation)
class AnnotationAdmin(ScopedModelAdmin):
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
class ReportAdmin(ScopedModelAdmin):
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

    scope_via = "report__node"
    list_display = ["report", "recipient", "period_start", "period_end", "status", "scheduled_for", "sent_at"]
    list_filter = ["status"]
    search_fields = ["report__name", "recipient__user__email"]
    date_hierarchy = "scheduled_for"


class DisplayLinkForm(forms.ModelForm):
    """Creation and later changes of a wall-screen link: the playlist is typed as text (see playlist_parse)."""

    playlist_text = forms.CharField(
        label=_("playlist"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Slides separated by commas, each BOARD[.KPI][@NODE]:SECONDS — boards: objectives, operations, "
                    "ranking, kpi. Example: objectives:30, operations:30, kpi.sales_revenue@sud:20. Empty: the "
                    "default playlist of the link's node."),
    )  # fmt: skip

    class Meta:
        model = DisplayLink
        fields = ["node", "label", "refresh_seconds"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["playlist_text"].initial = playlist_text(self.instance.playlist)

    def clean_playlist_text(self):
        return playlist_parse(self.cleaned_data["playlist_text"])

    def clean(self):
        data = super().clean()
        node = self.instance.node if self.instance.pk else data.get("node")
        if node is not None and "playlist_text" in data:
            try:
                data["playlist_text"] = playlist_clean(entries=data["playlist_text"], node=node)
            except ValidationError as error:
                self.add_error("playlist_text", error)
        return data


class DisplayLinkCreateForm(DisplayLinkForm):
    days = forms.IntegerField(label=_("valid for (days)"), min_value=1, max_value=DISPLAY_LINK_MAX_DAYS, initial=30)


@admin.register(DisplayLink)
class DisplayLinkAdmin(ScopedModelAdmin):
    """Create, list, configure and revoke wall-screen links. The token is shown once, right after creation."""

    network_admins_manage = True
    list_display = ["__str__", "node", "created_by", "created_at", "expires_at", "revoked_at", "last_seen_at"]
    list_filter = ["node__kind", "revoked_at"]
    search_fields = ["label", "node__name", "node__slug"]
    autocomplete_fields = ["node"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return ["node", "created_by", "created_at", "expires_at", "revoked_at", "last_seen_at"] if obj else []

    def get_fields(self, request, obj=None):
        fields = ["node", "label", "playlist_text", "refresh_seconds"]
        return fields + (["created_by", "created_at", "expires_at", "revoked_at", "last_seen_at"] if obj else ["days"])

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = DisplayLinkForm if obj is not None else DisplayLinkCreateForm
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            display_link_configure(link=obj, playlist=data["playlist_text"], refresh_seconds=data["refresh_seconds"],
                                   label=data["label"], acting_user=request.user)  # fmt: skip
            return
        link, token = display_link_create(node=obj.node, label=obj.label, days=data["days"],
                                          playlist=data["playlist_text"], refresh_seconds=data["refresh_seconds"],
                                          acting_user=request.user)  # fmt: skip
        obj.pk = link.pk
        url = request.build_absolute_uri(reverse("dashboard:wall", args=[token]))
        self.message_user(request, format_html(_("Wall-screen link (copy it now, it is not shown again): {}"), url))

    @admin.action(description=_("Revoke the selected links"))
    def revoke(self, request, queryset):
        for link in queryset.select_related("node"):
            display_link_revoke(link=link, acting_user=request.user)
