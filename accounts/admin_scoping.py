"""The Django admin through the one door (accounts.scoping): a staff member who is not a superuser sees, picks and
edits only the rows of their own scope, as on every page and in the API.

Platform operators are superusers and see everything. A network's franchisor administrator (granted the role, which
makes them staff) manages here what the product configures in the admin and nowhere else: KPI owners, question rules,
board layouts, display links and objectives, of their own network only. Everything else needs Django permissions an
operator gives, and is scoped all the same.
"""

from django.contrib import admin

from .constants import Role
from .models import Node, User
from .scoping import restrict, visible_nodes


def is_network_admin(user):
    # Remembered for the request, as accounts.scoping remembers a scope: the admin asks once per model it lists.
    if not hasattr(user, "_is_network_admin"):
        user._is_network_admin = (user.is_active and user.is_staff
                                  and user.role_assignments.filter(role=Role.FRANCHISOR_ADMIN).exists())  # fmt: skip
    return user._is_network_admin


def visible_people(user):
    """The people a staff member may pick (as a KPI owner, a recipient): those with a role in their scope."""
    if user.is_superuser:
        return User.objects.all()
    return restrict(User.objects.all(), user, via="role_assignments__node").distinct()


class ScopedModelAdmin(admin.ModelAdmin):
    scope_via = "node"  # how a row reaches its node, as restrict() takes it
    network_admins_manage = False  # product configuration a network's administrator manages here
    network_admins_view = False  # what they pick from when they do (nodes, people): seen, not changed

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return restrict(queryset, request.user, via=self.scope_via)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            if db_field.related_model is Node:
                kwargs["queryset"] = visible_nodes(request.user)
            elif db_field.related_model is User:
                kwargs["queryset"] = visible_people(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _managed_by_network_admin(self, request):
        return self.network_admins_manage and is_network_admin(request.user)

    def _seen_by_network_admin(self, request):
        return (self.network_admins_manage or self.network_admins_view) and is_network_admin(request.user)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self._seen_by_network_admin(request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self._seen_by_network_admin(request)

    def has_add_permission(self, request):
        return super().has_add_permission(request) or self._managed_by_network_admin(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or self._managed_by_network_admin(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) or self._managed_by_network_admin(request)
