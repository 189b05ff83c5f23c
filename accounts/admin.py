from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Node, RoleAssignment, User
from .services import node_upsert

NETWORK_SETTINGS = ["currency", "timezone", "fiscal_year_start_month", "hot_lead_threshold"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["node"]


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
