"""Reads on the organisation tree that need no person's scope (callers have already passed the door)."""

from .constants import Role
from .models import AuditEvent, Node, RoleAssignment, in_subtree, network_path_of


def node_network(*, node):
    """The network a node belongs to: the root of its path."""
    if node.parent_id is None:
        return node
    return Node.objects.get(slug=node.network_slug)


def network_zone(*, node):
    """The time zone in which `node`'s days are cut: its network's."""
    return node_network(node=node).zone


def managed_networks(*, user):
    """The networks `user` administers (franchisor_admin), or every network for a superuser."""
    if not user.is_authenticated or not user.is_active:
        return Node.objects.none()
    if user.is_superuser:
        return Node.objects.filter(parent__isnull=True)
    roots = {
        network_path_of(path)
        for path in user.role_assignments.filter(role=Role.FRANCHISOR_ADMIN).values_list("node__path", flat=True)
    }
    return Node.objects.filter(path__in=roots)


def network_team(*, network):
    """Role assignments on the nodes of `network`, with their people and nodes."""
    return (
        RoleAssignment.objects.filter(in_subtree(network))
        .select_related("user", "node")
        .order_by("user__email", "node__path")
    )


def network_audit(*, network, limit=50):
    return AuditEvent.objects.filter(in_subtree(network)).select_related("actor", "node")[:limit]
