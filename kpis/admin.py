from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_scoping import ScopedModelAdmin
from accounts.models import Node
from accounts.selectors import network_zone

from .catalog import CATALOG
from .models import BoardLayout, Campaign, Conversation, ConversionLag, DailyMetric, Lead, Objective, Sale
from .periods import Period, PeriodKind
from .selectors import DEFAULT_HOME_KPIS, DEFAULT_WALL_KPIS
from .services import board_layout_set, kpi_keys_clean, local_day, node_place, objective_set

NETWORK_SETTINGS = ["currency", "timezone", "fiscal_year_start_month", "hot_lead_threshold"]


class LocalDayAdminMixin:
    """Leads and conversations count on their network-local day: keep it in step with hand edits."""

    moment_field = None

    def save_model(self, request, obj, form, change):
        obj.day = local_day(moment=getattr(obj, self.moment_field), zone=network_zone(node=obj.node))
        super().save_model(request, obj, form, change)


@admin.register(Node)
class NodeAdmin(ScopedModelAdmin):
    """The tree's nodes, registered here rather than in accounts: a node saved under a new parent moves, and its
    figures (the rollups' copies of its path) move with it, which is kpis' to do."""

    scope_via = ""
    network_admins_view = True
    list_display = ["name", "slug", "kind", "parent", "path", "currency", "timezone"]
    list_filter = ["kind", "currency", "timezone"]
    search_fields = ["name", "slug", "path"]
    readonly_fields = ["path", "depth", "created_at"]
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        # Paths of the whole subtree must follow a new parent: go through the service, never a bare save().
        saved = node_place(
            slug=obj.slug,
            name=obj.name,
            kind=obj.kind,
            parent=obj.parent,
            **{field: getattr(obj, field) for field in NETWORK_SETTINGS},
        )
        obj.pk, obj.path, obj.depth = saved.pk, saved.path, saved.depth


@admin.register(Campaign)
class CampaignAdmin(ScopedModelAdmin):
    list_display = ["name", "external_id", "channel", "node", "start_date", "end_date", "budget"]
    list_filter = ["channel", "node__kind"]
    search_fields = ["name", "external_id", "node__name", "node__slug"]
    autocomplete_fields = ["node"]
    date_hierarchy = "start_date"


@admin.register(DailyMetric)
class DailyMetricAdmin(ScopedModelAdmin):
    scope_via = "campaign__node"
    list_display = ["campaign", "date", "spend", "impressions", "clicks", "visitors", "form_submits"]
    list_filter = ["campaign__channel"]
    search_fields = ["campaign__name", "campaign__external_id"]
    autocomplete_fields = ["campaign"]
    list_select_related = ["campaign"]
    date_hierarchy = "date"


@admin.register(Lead)
class LeadAdmin(LocalDayAdminMixin, ScopedModelAdmin):
    moment_field = "created_at"
    list_display = [
        "external_id",
        "created_at",
        "node",
        "campaign",
        "source",
        "segment",
        "score",
        "qualified",
        "customer",
        "revenue",
    ]
    list_filter = ["qualified", "customer", "segment", "source", "medium", "campaign__channel"]
    search_fields = ["external_id", "node__name", "node__slug", "campaign__name", "source", "medium"]
    autocomplete_fields = ["node", "campaign"]
    list_select_related = ["node", "campaign"]
    readonly_fields = ["day"]
    date_hierarchy = "day"


@admin.register(Conversation)
class ConversationAdmin(LocalDayAdminMixin, ScopedModelAdmin):
    moment_field = "started_at"
    list_display = [
        "external_id",
        "started_at",
        "node",
        "channel",
        "captured_contact",
        "goal_completed",
        "self_served",
        "escalated",
        "rating",
        "rating_scale",
    ]
    list_filter = ["channel", "captured_contact", "goal_completed", "self_served", "escalated", "rating_scale"]
    search_fields = ["external_id", "node__name", "node__slug", "lead__external_id"]
    autocomplete_fields = ["node"]
    raw_id_fields = ["lead"]
    list_select_related = ["node"]
    readonly_fields = ["day"]
    date_hierarchy = "day"


@admin.register(Sale)
class SaleAdmin(ScopedModelAdmin):
    list_display = ["node", "date", "orders", "units", "revenue", "new_customers"]
    list_filter = ["node__kind"]
    search_fields = ["node__name", "node__slug"]
    autocomplete_fields = ["node"]
    list_select_related = ["node"]
    date_hierarchy = "date"


class ObjectiveForm(forms.ModelForm):
    kpi = forms.ChoiceField(choices=[(key, f"{kpi.name} ({key})") for key, kpi in CATALOG.items()])
    period_kind = forms.ChoiceField(choices=PeriodKind.choices)

    class Meta:
        model = Objective
        fields = ["kpi", "node", "period_kind", "start", "end", "target", "owner"]


@admin.register(Objective)
class ObjectiveAdmin(ScopedModelAdmin):
    network_admins_manage = True
    form = ObjectiveForm
    list_display = ["kpi", "node", "period_kind", "start", "end", "target", "owner", "updated_at"]
    list_filter = ["kpi", "period_kind", "node__kind"]
    search_fields = ["kpi", "node__name", "node__slug", "owner__email"]
    autocomplete_fields = ["node", "owner"]
    list_select_related = ["node", "owner"]

    def get_readonly_fields(self, request, obj=None):
        # KPI, node and period are the objective's identity: set another objective rather than move this one.
        return ["kpi", "node", "period_kind", "start", "end"] if obj else []

    def save_model(self, request, obj, form, change):
        # Targets change through the service, which records who set them.
        saved, _ = objective_set(
            kpi=obj.kpi,
            node=obj.node,
            period=Period(obj.period_kind, obj.start, obj.end),
            target=obj.target,
            owner=obj.owner,
            acting_user=request.user,
        )
        obj.pk = saved.pk


class BoardLayoutForm(forms.ModelForm):
    """KPI keys typed in order, one list per board; business objectives always come first on the board."""

    home = forms.CharField(label=_("home board KPIs"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    wall = forms.CharField(label=_("wall screen KPIs"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = BoardLayout
        fields = ["network"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home"].initial = ", ".join(self.instance.home_kpis or [])
        self.fields["wall"].initial = ", ".join(self.instance.wall_kpis or [])
        self.fields["home"].help_text = _(
            "KPI keys separated by commas, in the order of the tiles. Empty: %(default)s. Keys: %(keys)s."
        ) % {"default": ", ".join(DEFAULT_HOME_KPIS), "keys": ", ".join(CATALOG)}
        self.fields["wall"].help_text = _("Empty: %(default)s.") % {"default": ", ".join(DEFAULT_WALL_KPIS)}

    def clean_home(self):
        return kpi_keys_clean(self.cleaned_data["home"].split(","), "home")

    def clean_wall(self):
        return kpi_keys_clean(self.cleaned_data["wall"].split(","), "wall")


@admin.register(BoardLayout)
class BoardLayoutAdmin(ScopedModelAdmin):
    scope_via = "network"
    network_admins_manage = True
    form = BoardLayoutForm
    list_display = ["network", "home_kpis", "wall_kpis", "updated_at"]
    autocomplete_fields = ["network"]

    def save_model(self, request, obj, form, change):
        saved = board_layout_set(network=obj.network, home_kpis=form.cleaned_data["home"],
                                 wall_kpis=form.cleaned_data["wall"], acting_user=request.user)  # fmt: skip
        obj.pk = saved.pk


@admin.register(ConversionLag)
class ConversionLagAdmin(ScopedModelAdmin):
    """Measured every night (kpis.maturity): read here, never written by hand."""

    scope_via = "network"
    list_display = ["network", "days", "basis", "measured_on", "history_days", "leads", "customers",
                    "plateau_from_days", "plateau_leads", "plateau_customers", "updated_at"]  # fmt: skip
    list_filter = ["basis"]
    list_select_related = ["network"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
