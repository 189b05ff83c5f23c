"""Reads on the organisation tree that need no person's scope (callers have already passed the door)."""

from zoneinfo import ZoneInfo

from .models import Node


def node_network(*, node):
    """The network a node belongs to: the root of its path."""
    if node.parent_id is None:
        return node
    return Node.objects.get(slug=node.network_slug)


def network_zone(*, node):
    """The time zone in which `node`'s days are cut: its network's."""
    return ZoneInfo(node_network(node=node).timezone)
