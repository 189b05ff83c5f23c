from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, DisplayLink, Node, RoleAssignment, User
from .services import (
    display_link_configure,
    display_link_create,
    display_link_revoke,
    node_upsert,
    playlist_clean,
    playlist_parse,
    playlist_text,
    role_revoke,
    user_grant,
)

NETWORK_SETTINGS = ["currency", "timezone", "fiscal_year_start_month", "hot_lead_threshold"]


class RoleAssignmentInline(admin.TabularInline):
    """Read-only here: roles are granted and revoked in "Role assignments", which keeps the audit log."""

    model = RoleAssignment
    extra = 0
    fields = readonly_fields = ["role", "node", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "language", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "language", "role_assignments__role"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [RoleAssignmentInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "parent", "path", "currency", "timezone"]
    list_filter = ["kind", "currency", "timezone"]
    search_fields = ["name", "slug", "path"]
    readonly_fields = ["path", "depth", "created_at"]
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        # Paths of the whole subtree must follow a new parent: go through the service, never a bare save().
        saved = node_upsert(
            slug=obj.slug,
            name=obj.name,
            kind=obj.kind,
            parent=obj.parent,
            **{field: getattr(obj, field) for field in NETWORK_SETTINGS},
        )
        obj.pk, obj.path, obj.depth = saved.pk, saved.path, saved.depth


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "node", "created_at"]
    list_filter = ["role", "node__kind"]
    search_fields = ["user__email", "node__name", "node__slug"]
    autocomplete_fields = ["user", "node"]

    def get_readonly_fields(self, request, obj=None):
        # A role is granted or revoked, never edited into another one.
        return ["user", "node", "role", "created_at"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            user_grant(email=obj.user.email, role=obj.role, node=obj.node, acting_user=request.user)
            obj.pk = RoleAssignment.objects.get(user=obj.user, node=obj.node, role=obj.role).pk

    def delete_model(self, request, obj):
        role_revoke(assignment=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for assignment in queryset.select_related("user", "node"):
            role_revoke(assignment=assignment, acting_user=request.user)


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
    days = forms.IntegerField(label=_("valid for (days)"), min_value=1, initial=30)


@admin.register(DisplayLink)
class DisplayLinkAdmin(admin.ModelAdmin):
    """Create, list, configure and revoke wall-screen links. The token is shown once, right after creation."""

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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "node", "summary"]
    list_filter = ["action", "at"]
    search_fields = ["summary", "actor__email", "node__slug"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
