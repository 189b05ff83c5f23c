"""Writes on the organisation tree and on people's roles. Every write is atomic."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from .constants import ALLOWED_PARENT_KIND, NodeKind, Role
from .models import Node, RoleAssignment, User


def _check_parent(*, kind, parent):
    expected = ALLOWED_PARENT_KIND[NodeKind(kind)]
    actual = NodeKind(parent.kind) if parent else None
    if expected != actual:
        raise ValidationError(
            _("A %(kind)s must hang under a %(expected)s, not under %(actual)s.")
            % {"kind": kind, "expected": expected or _("nothing"), "actual": actual or _("nothing")}
        )


@transaction.atomic
def node_upsert(*, slug, name, kind, parent=None, **network_settings):
    """Create the node `slug`, or bring an existing one to these values (moving its subtree if the parent
    changed). `network_settings` are currency, timezone, fiscal_year_start_month and hot_lead_threshold."""
    _check_parent(kind=kind, parent=parent)
    node = Node.objects.select_for_update().filter(slug=slug).first()
    if node is None:
        node = Node(slug=slug, kind=kind, parent=parent, path=Node.build_path(parent, slug))
        node.depth = node.path.count("/") - 2
    elif node.kind != kind:
        raise ValidationError(
            _("Node %(slug)s is a %(kind)s and cannot change kind.") % {"slug": slug, "kind": node.kind}
        )
    node.name = name
    for field, value in network_settings.items():
        setattr(node, field, value)
    node.full_clean(exclude=["path", "depth", "slug"] if node.pk else ["path", "depth"])
    node.save()
    if node.parent_id != (parent.pk if parent else None):
        _node_move(node=node, parent=parent)
    return node


def _node_move(*, node, parent):
    """Re-hang `node` under `parent` and rewrite the materialised path of its whole subtree in one UPDATE."""
    if parent is not None and parent.is_within(node):
        raise ValidationError(_("A node cannot move under itself."))
    old_path, new_path = node.path, Node.build_path(parent, node.slug)
    depth_shift = new_path.count("/") - old_path.count("/")
    Node.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), Length(Value(old_path)) + 1)),
        depth=F("depth") + depth_shift,
    )
    Node.objects.filter(pk=node.pk).update(parent=parent)
    node.refresh_from_db()


@transaction.atomic
def user_grant(*, email, role, node, password=None, first_name="", last_name=""):
    """Give `email` the role `role` on `node`, creating the user first if needed. Returns (user, created)."""
    role = Role(role)
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email=email, password=password, first_name=first_name, last_name=last_name)
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    RoleAssignment.objects.get_or_create(user=user, node=node, role=role)
    return user, created
