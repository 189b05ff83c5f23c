from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .admin_scoping import ScopedModelAdmin
from .models import AuditEvent, RoleAssignment, User
from .services import role_revoke, user_grant


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
class UserAdmin(DjangoUserAdmin, ScopedModelAdmin):
    scope_via = "role_assignments__node"  # a person is in scope through any of their roles
    network_admins_view = True
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

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()  # one row per person, however many roles reach them


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedModelAdmin):
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


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedModelAdmin):
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
