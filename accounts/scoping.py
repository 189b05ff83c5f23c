"""The one door: every read of nodes or facts on behalf of a person is narrowed here.

A role on a node reaches that node's subtree. Franchisor administrators and executives reach their whole network,
whichever node their role was granted on. Superusers (platform operators) reach everything.
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from .constants import PATH_SEPARATOR, Role
from .models import DisplayLink, Node, RoleAssignment, User

NETWORK_WIDE_ROLES = {Role.FRANCHISOR_ADMIN, Role.EXECUTIVE}


SCOPE_CACHE = "_visible_root_paths"


def visible_root_paths(user):
    """The paths of the highest nodes `user` may see; None means no restriction (superuser). A wall screen's
    display link (already resolved, so active) sees its node's subtree.

    Remembered on the user object, which lives for one request, as Django's ModelBackend remembers permissions
    (`_perm_cache`): a page narrows several querysets and would otherwise read the same role assignments each time.
    The services that grant and revoke forget it on the instances they hold; code that keeps another instance of the
    same person across a role change fetches them again."""
    if isinstance(user, DisplayLink):
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
        if role in NETWORK_WIDE_ROLES:
            path = "/" + path.strip("/").split("/")[0] + "/"
        paths.add(path)
    # Drop paths already covered by a shorter one, so the filter stays small.
    return sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths))


def restrict(queryset, user, *, node_field="node", path_field=None):
    """Narrow any queryset whose rows hang on a node to what `user` may see.

    The node is reached through `node_field` (None: the queryset is of nodes), or, for tables that copy the
    node's materialised path (rollups), read directly from `path_field`.
    """
    paths = visible_root_paths(user)
    if paths is None:
        return queryset
    if not paths:
        return queryset.none()
    if path_field:
        lookup = f"{path_field}__startswith"
    else:
        lookup = f"{node_field}__path__startswith" if node_field else "path__startswith"
    return queryset.filter(reduce(or_, (Q(**{lookup: p}) for p in paths)))


def _ancestor_paths(path):
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def restrict_with_shared(queryset, user, *, node_field="node"):
    """Like restrict, plus the rows hanging on the nodes *above* the person's own: what a region or the network
    shares with everything below it (a network-wide campaign also runs on a franchisee's node). Only for rows that
    describe something shared, such as a campaign's name, channel and dates; never for facts, whose figures are
    always read through restrict."""
    paths = visible_root_paths(user)
    if paths is None:
        return queryset
    if not paths:
        return queryset.none()
    below = reduce(or_, (Q(**{f"{node_field}__path__startswith": p}) for p in paths))
    above = {a for p in paths for a in _ancestor_paths(p)}
    return queryset.filter(below | Q(**{f"{node_field}__path__in": above}))


def visible_nodes(user):
    return restrict(Node.objects.all(), user, node_field=None)


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
    network_path = PATH_SEPARATOR + node.network_slug + PATH_SEPARATOR
    reaching = RoleAssignment.objects.filter(
        Q(node__path__in=[*node.ancestor_paths(), node.path])
        | Q(role__in=NETWORK_WIDE_ROLES, node__path__startswith=network_path)
    )
    if writers_only:
        reaching = reaching.exclude(role__in=READ_ONLY_ROLES)
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(pk__in=reaching.values("user_id"))
    )
