"""Writes on the organisation tree and on people's roles. Every write is atomic."""

import secrets
from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from .authentication import token_expired
from .constants import ALLOWED_PARENT_KIND, NodeKind, Role
from .models import AuditAction, AuditEvent, DisplayLink, Node, RoleAssignment, User
from .queueing import task_queue
from .scoping import forget_scope


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
    """Create the node `slug` under `parent`, or bring an existing one to these values where it hangs.
    `network_settings` are currency, timezone, fiscal_year_start_month and hot_lead_threshold.

    A node that hangs under another parent is refused, not moved: the rollups of kpis copy the tree's paths, and a
    move must carry them along. kpis.services.node_move moves a node; kpis.services.node_place upserts one that may
    have moved (a nodes.csv row, the admin)."""
    _check_parent(kind=kind, parent=parent)
    if slug != slug.lower():
        # Paths are matched by prefix; SQLite's LIKE ignores case, so "NORD" would fall inside "nord"'s scope.
        raise ValidationError(_("A slug is written in lower case: %(slug)s.") % {"slug": slug})
    node = Node.objects.select_for_update().filter(slug=slug).first()
    if node is None:
        node = Node(slug=slug, kind=kind, parent=parent, path=Node.build_path(parent, slug))
        node.depth = node.path.count("/") - 2
    elif node.kind != kind:
        raise ValidationError(
            _("Node %(slug)s is a %(kind)s and cannot change kind.") % {"slug": slug, "kind": node.kind}
        )
    elif node.parent_id != (parent.pk if parent else None):
        raise ValidationError(_("Node %(slug)s hangs under another node: moving it is not an update.") % {"slug": slug})
    node.name = name
    for field, value in network_settings.items():
        setattr(node, field, value)
    node.full_clean(exclude=["path", "depth", "slug"] if node.pk else ["path", "depth"])
    node.save()
    return node


@transaction.atomic
def node_tree_move(*, node, parent):
    """Re-hang `node` under `parent` and rewrite the materialised paths and depths of its whole subtree in one UPDATE.
    Returns the subtree's (old path, new path), equal when `node` already hangs there.

    The tree only: kpis.services.node_move calls it, then moves the copies of these paths that the rollups hold, and
    is what moves a node."""
    node = Node.objects.select_for_update().get(pk=node.pk)
    if node.parent_id == (parent.pk if parent else None):
        return node.path, node.path
    _check_parent(kind=node.kind, parent=parent)
    if parent is not None and parent.is_within(node):
        raise ValidationError(_("A node cannot move under itself."))
    old_path, new_path = node.path, Node.build_path(parent, node.slug)
    depth_shift = new_path.count("/") - old_path.count("/")
    Node.objects.subtree(old_path).update(
        path=Node.moved_path("path", old_path=old_path, new_path=new_path), depth=F("depth") + depth_shift
    )
    Node.objects.filter(pk=node.pk).update(parent=parent)
    return old_path, new_path


def audit_record(*, actor, action, node=None, summary, **details):
    """Note who did what; called inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        node=node,
        summary=summary[:500],
        details=details,
    )


@transaction.atomic
def user_grant(*, email, role, node, password=None, first_name="", last_name="", acting_user=None):
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
    _, granted = RoleAssignment.objects.get_or_create(user=user, node=node, role=role)
    if role == Role.FRANCHISOR_ADMIN and not user.is_staff:  # they configure their network in the admin too
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    forget_scope(user)
    if granted:
        audit_record(actor=acting_user, action=AuditAction.ROLE_GRANTED, node=node,
                     summary=f"{email}: {role.value} on {node.slug}", email=email, role=role.value)  # fmt: skip
    return user, created


@transaction.atomic
def role_revoke(*, assignment, acting_user=None):
    """Take a role away; the person's scope shrinks on their next request."""
    audit_record(actor=acting_user, action=AuditAction.ROLE_REVOKED, node=assignment.node,
                 summary=f"{assignment.user.email}: {assignment.role} on {assignment.node.slug}",
                 email=assignment.user.email, role=assignment.role)  # fmt: skip
    assignment.delete()
    forget_scope(assignment.user)
    assignment.user.api_tokens_revoke()  # a token issued under the old trust is not carried over: sign in again


def api_token_issue(*, user):
    """The person's API token: the current one, or a new one when it has expired (accounts.authentication)."""
    token, created = Token.objects.get_or_create(user=user)
    if not created and token_expired(token):
        token.delete()
        token = Token.objects.create(user=user)
    return token


DISPLAY_LINK_SALT = "accounts.display_link"
DISPLAY_LINK_MAX_DAYS = 5 * 366  # a screen kept for years gets a new link; and no date past the calendar's end


def display_link_token(link):
    return signing.dumps({"id": link.pk, "n": link.nonce}, salt=DISPLAY_LINK_SALT, compress=True)


@transaction.atomic
def display_link_issue(*, node, days=30, label="", playlist=(), refresh_seconds=None, acting_user=None):
    """A signed, read-only wall-screen link to `node`, valid for `days`: the screen reads as the link, seeing that
    node's subtree only. What it shows (`playlist`) and how often it reloads (`refresh_seconds`) are stored as given:
    dashboard.wall.playlists checks them and is the one caller. Returns (link, token)."""
    if not 1 <= days <= DISPLAY_LINK_MAX_DAYS:
        raise ValidationError(_("A display link lasts from 1 to %(max)s days.") % {"max": DISPLAY_LINK_MAX_DAYS})
    link = DisplayLink.objects.create(node=node, label=label, nonce=secrets.token_urlsafe(24), playlist=list(playlist),
                                      refresh_seconds=refresh_seconds,
                                      created_by=acting_user if acting_user and acting_user.is_authenticated else None,
                                      expires_at=timezone.now() + timedelta(days=days))  # fmt: skip
    audit_record(actor=acting_user, action=AuditAction.DISPLAY_LINK_CREATED, node=node,
                 summary=f"display link #{link.pk} on {node.slug} for {days} days", link=link.pk)  # fmt: skip
    return link, display_link_token(link)


@transaction.atomic
def display_link_revoke(*, link, acting_user=None):
    if link.revoked_at is None:
        DisplayLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
        audit_record(actor=acting_user, action=AuditAction.DISPLAY_LINK_REVOKED, node=link.node,
                     summary=f"display link #{link.pk} on {link.node.slug} revoked", link=link.pk)  # fmt: skip


def display_link_resolve(*, token):
    """The active link a token names, or None: a bad signature, an unknown, revoked or expired link."""
    try:
        data = signing.loads(token, salt=DISPLAY_LINK_SALT)
    except signing.BadSignature:
        return None
    link = DisplayLink.objects.select_related("node").filter(pk=data.get("id"), nonce=data.get("n")).first()
    now = timezone.now()
    if link is None or not link.is_active(now):
        return None
    DisplayLink.objects.filter(pk=link.pk).update(last_seen_at=now)
    return link


@transaction.atomic
def user_invite(*, email, role, node, acting_user):
    """Grant a role and, for a new person, send an invitation to choose a password once the grant is committed."""
    user, created = user_grant(email=email, role=role, node=node, acting_user=acting_user)
    if created:
        transaction.on_commit(lambda: task_queue("accounts.tasks.send_invitation", args=[user.pk]))
    return user, created
