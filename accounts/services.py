"""Writes on the organisation tree and on people's roles. Every write is atomic."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import override

from kpis.catalog import CATALOG  # a plain module of definitions: no model, no cycle

from .constants import ALLOWED_PARENT_KIND, WALL_REFRESH_SECONDS, WALL_SLIDE_SECONDS, NodeKind, Role, WallBoard
from .models import AuditAction, AuditEvent, DisplayLink, Node, RoleAssignment, User
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
    """Create the node `slug`, or bring an existing one to these values (moving its subtree if the parent
    changed). `network_settings` are currency, timezone, fiscal_year_start_month and hot_lead_threshold."""
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
    # Rollups copy the path so that scoping needs no join: they follow the move, or the old region would keep
    # reading the moved franchisee's figures.
    from kpis.models import DailyRollup, SliceRollup, SubtreeRollup  # kpis depends on accounts, not the reverse
    from kpis.rollups import subtree_rollups_refresh

    for model in (DailyRollup, SliceRollup, SubtreeRollup):
        model.objects.filter(node_path__startswith=old_path).update(
            node_path=Concat(Value(new_path), Substr(F("node_path"), Length(Value(old_path)) + 1))
        )
    node.refresh_from_db()
    # The moved subtree's own totals are unchanged, but its old and new ancestors' are not.
    for network_path in {Node(path=old_path).ancestor_paths()[0], Node(path=new_path).ancestor_paths()[0]}:
        subtree_rollups_refresh(network=Node.objects.get(path=network_path))


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


DISPLAY_LINK_SALT = "accounts.display_link"


def display_link_token(link):
    return signing.dumps({"id": link.pk, "n": link.nonce}, salt=DISPLAY_LINK_SALT, compress=True)


def playlist_parse(text):
    """A playlist written as people type it, "objectives:30, kpi.sales_revenue@sud:20, ranking:20": slides
    separated by commas, each BOARD[.KPI][@NODE]:SECONDS. Returns the entries display links store; ValidationError
    naming the slide and what is wrong with it."""
    entries = []
    for number, part in enumerate((p.strip() for p in text.replace("\n", ",").split(",")), start=1):
        if not part:
            continue
        spec, _colon, seconds = part.rpartition(":")
        if not spec:
            spec, seconds = seconds, ""
        spec, _at, node = spec.partition("@")
        board, _dot, kpi = spec.partition(".")
        if not seconds.strip().isdigit():
            raise ValidationError(_("Slide %(n)s (%(part)s): give its duration in seconds, e.g. objectives:30.")
                                  % {"n": number, "part": part})  # fmt: skip
        entry = {"board": board.strip(), "node": node.strip(), "seconds": int(seconds)}
        if kpi:
            entry["kpi"] = kpi.strip()
        entries.append(entry)
    return entries


def playlist_text(entries):
    """The written form of stored playlist entries (the inverse of playlist_parse)."""
    parts = []
    for entry in entries:
        spec = entry["board"] + (f".{entry['kpi']}" if entry.get("kpi") else "")
        parts.append(spec + (f"@{entry['node']}" if entry.get("node") else "") + f":{entry['seconds']}")
    return ", ".join(parts)


def playlist_clean(*, entries, node):
    """Check each slide: a known board, a KPI of the catalog for a KPI slide, a node inside the link's own subtree
    (a screen never shows more than its link reaches), a duration within WALL_SLIDE_SECONDS."""
    shortest, longest = WALL_SLIDE_SECONDS
    slugs = {e.get("node") for e in entries} - {"", None}
    inside = set(Node.objects.filter(slug__in=slugs, path__startswith=node.path).values_list("slug", flat=True))
    clean = []
    for number, entry in enumerate(entries, start=1):
        where = _("Slide %(n)s") % {"n": number}
        if entry.get("board") not in WallBoard.values:
            raise ValidationError(_("%(where)s: unknown board %(board)r; choose among %(choices)s.")
                                  % {"where": where, "board": entry.get("board"),
                                     "choices": ", ".join(WallBoard.values)})  # fmt: skip
        kpi = entry.get("kpi") or ""
        if entry["board"] == WallBoard.KPI and kpi not in CATALOG:
            raise ValidationError(_("%(where)s: a KPI slide names a KPI of the catalog, e.g. kpi.sales_revenue.")
                                  % {"where": where})  # fmt: skip
        if entry["board"] != WallBoard.KPI and kpi:
            raise ValidationError(_("%(where)s: only a kpi slide names a KPI.") % {"where": where})
        if entry.get("node") and entry["node"] not in inside:
            raise ValidationError(_("%(where)s: %(node)s is not %(root)s or a node below it.")
                                  % {"where": where, "node": entry["node"], "root": node.slug})  # fmt: skip
        seconds = entry.get("seconds")
        if not isinstance(seconds, int) or not shortest <= seconds <= longest:
            raise ValidationError(_("%(where)s: a slide stays %(low)s to %(high)s seconds on screen.")
                                  % {"where": where, "low": shortest, "high": longest})  # fmt: skip
        clean.append({"board": entry["board"], "node": entry.get("node") or "", "seconds": seconds,
                      **({"kpi": kpi} if kpi else {})})  # fmt: skip
    return clean


def _refresh_clean(refresh_seconds):
    shortest, longest = WALL_REFRESH_SECONDS
    if refresh_seconds is not None and not shortest <= refresh_seconds <= longest:
        raise ValidationError(_("A screen reloads every %(low)s to %(high)s seconds.")
                              % {"low": shortest, "high": longest})  # fmt: skip
    return refresh_seconds


@transaction.atomic
def display_link_create(*, node, days=30, label="", playlist=(), refresh_seconds=None, acting_user=None):
    """A signed, read-only wall-screen link to `node`, valid for `days`, rotating through `playlist` (entries as
    playlist_parse returns them; empty: the default playlist) and reloading every `refresh_seconds` (None: the
    installation's default). Returns (link, token)."""
    if days < 1:
        raise ValidationError(_("A display link lasts at least one day."))
    link = DisplayLink.objects.create(node=node, label=label, nonce=secrets.token_urlsafe(24),
                                      playlist=playlist_clean(entries=list(playlist), node=node),
                                      refresh_seconds=_refresh_clean(refresh_seconds),
                                      created_by=acting_user if acting_user and acting_user.is_authenticated else None,
                                      expires_at=timezone.now() + timedelta(days=days))  # fmt: skip
    audit_record(actor=acting_user, action=AuditAction.DISPLAY_LINK_CREATED, node=node,
                 summary=f"display link #{link.pk} on {node.slug} for {days} days", link=link.pk)  # fmt: skip
    return link, display_link_token(link)


@transaction.atomic
def display_link_configure(*, link, playlist, refresh_seconds, label=None, acting_user=None):
    """Change what a screen shows and how often it reloads; the screen picks it up at its next reload."""
    link.playlist = playlist_clean(entries=list(playlist), node=link.node)
    link.refresh_seconds = _refresh_clean(refresh_seconds)
    fields = ["playlist", "refresh_seconds"]
    if label is not None:
        link.label = label
        fields.append("label")
    link.save(update_fields=fields)
    audit_record(actor=acting_user, action=AuditAction.DISPLAY_LINK_CHANGED, node=link.node,
                 summary=f"display link #{link.pk} on {link.node.slug}: {playlist_text(link.playlist) or 'default'}"
                         f", refresh {link.refresh_seconds or 'default'}", link=link.pk)  # fmt: skip
    return link


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
        from .tasks import send_invitation  # tasks import this module

        transaction.on_commit(lambda: send_invitation.delay(user.pk))
    return user, created


def invitation_send(*, user):
    """E-mail `user` a link to choose their password (the password-reset token, valid PASSWORD_RESET_TIMEOUT)."""
    path = reverse("password_reset_confirm", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                                   default_token_generator.make_token(user)])  # fmt: skip
    with override(user.language):
        body = render_to_string("accounts/invitation_email.txt", {"user": user, "url": settings.SITE_URL + path})
        send_mail(_("Your access to the KPI board"), body, None, [user.email])
