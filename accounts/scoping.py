"""The one door: every read of nodes or facts on behalf of a person is narrowed here.

A role on a node reaches that node's subtree. Franchisor administrators and executives reach their whole network,
whichever node their role was granted on. Superusers (platform operators) reach everything.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q

from .constants import Role
from .models import (
    DisplayLink,
    Node,
    RoleAssignment,
    User,
    ancestor_paths_of,
    in_subtree,
    network_path_of,
    path_is_within,
)

NETWORK_WIDE_ROLES = {Role.FRANCHISOR_ADMIN, Role.EXECUTIVE}


SCOPE_CACHE = "_visible_root_paths"


@dataclass(frozen=True)
class NodeReader:
    """Whoever reads on behalf of a node as a whole rather than of a person: the nightly question rules (for a
    network), an operator's command (for the node it names). It sees that node's subtree, as a wall's display link
    does, and nothing else."""

    node: Node


def visible_root_paths(user):
    """The paths of the highest nodes `user` may see; None means no restriction (superuser). A wall screen's
    display link (already resolved, so active) sees its node's subtree.

    Remembered on the user object, which lives for one request, as Django's ModelBackend remembers permissions
    (`_perm_cache`): a page narrows several querysets and would otherwise read the same role assignments each time.
    The services that grant and revoke forget it on the instances they hold; code that keeps another instance of the
    same person across a role change fetches them again."""
    if isinstance(user, DisplayLink | NodeReader):
        return [user.node.path]
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    if not hasattr(user, SCOPE_CACHE):
        setattr(user, SCOPE_CACHE, _role_root_paths(user))
    return list(getattr(user, SCOPE_CACHE))


def forget_scope(user):
    """Drop what visible_root_paths remembered on this user object (after a grant or a revocation)."""
    if hasattr(user, SCOPE_CACHE):
        delattr(user, SCOPE_CACHE)


def _role_root_paths(user):
    paths = set()
    for role, path in user.role_assignments.values_list("role", "node__path"):
        paths.add(network_path_of(path) if role in NETWORK_WIDE_ROLES else path)
    # Drop paths already covered by a shorter one, so the filter stays small.
    return sorted(p for p in paths if not any(p != q and path_is_within(p, q) for q in paths))


def restrict(queryset, user, *, via="node"):
    """Narrow any queryset whose rows hang on a node to what `user` may see. `via` is how a row reaches its node,
    as accounts.models.in_subtree takes it: a relation ("node", "thread__node"), "" for nodes, or a copy of the
    node's path ("node_path", on rollups)."""
    paths = visible_root_paths(user)
    if paths is None:
        return queryset
    if not paths:
        return queryset.none()
    return queryset.filter(reduce(or_, (in_subtree(p, via=via) for p in paths)))


def restrict_with_shared(queryset, user, *, via="node"):
    """Like restrict, plus the rows hanging on the nodes *above* the person's own: what a region or the network
    shares with everything below it (a network-wide campaign also runs on a franchisee's node). Only for rows that
    describe something shared, such as a campaign's name, channel and dates; never for facts, whose figures are
    always read through restrict."""
    paths = visible_root_paths(user)
    if paths is None:
        return queryset
    if not paths:
        return queryset.none()
    below = reduce(or_, (in_subtree(p, via=via) for p in paths))
    above = {a for p in paths for a in ancestor_paths_of(p)}
    return queryset.filter(below | Q(**{f"{via}__path__in": above}))


def visible_nodes(user):
    return restrict(Node.objects.all(), user, via="")


def top_nodes(user):
    """The highest visible nodes, where a person's board starts."""
    paths = visible_root_paths(user)
    if paths is None:
        return Node.objects.filter(parent__isnull=True)
    return Node.objects.filter(path__in=paths)


READ_ONLY_ROLES = {Role.EXECUTIVE}


def audience(node, *, writers_only=False):
    """The people who may see `node`: the other side of restrict(), for whom to notify and whom to mention.

    A role reaches `node` when granted on the node or above it, or, for a network-wide role, anywhere in its
    network; superusers see everything. With `writers_only`, read-only roles (executives) do not count."""
    reaching = RoleAssignment.objects.filter(
        Q(node__path__in=[*node.ancestor_paths(), node.path])
        | Q(in_subtree(node.network_path), role__in=NETWORK_WIDE_ROLES)
    )
    if writers_only:
        reaching = reaching.exclude(role__in=READ_ONLY_ROLES)
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(pk__in=reaching.values("user_id"))
    )
