"""Writes on facts and objectives, and moves of nodes in the tree (the facts' rollups follow them)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditAction, Node, in_subtree
from accounts.services import audit_record, node_tree_move, node_upsert

from .catalog import CATALOG
from .models import (
    BoardLayout,
    Campaign,
    Conversation,
    DailyMetric,
    DailyRollup,
    Lead,
    Objective,
    Sale,
    SliceRollup,
    SubtreeRollup,
)
from .rollups import subtree_rollups_refresh


def local_day(*, moment, zone):
    """The calendar day of an aware `moment` in `zone`: the day a lead or conversation counts on."""
    if timezone.is_naive(moment):
        raise ValueError("Fact time stamps must be aware.")
    return moment.astimezone(zone).date()


@transaction.atomic
def objective_set(*, kpi, node, period, target, owner=None, acting_user=None):
    """Set (create or change) the target of `kpi` on `node` for `period`. Returns (objective, created)."""
    if kpi not in CATALOG:
        raise ValidationError({"kpi": _("Unknown KPI %(key)s.") % {"key": kpi}})
    target = Decimal(target)
    if not target.is_finite() or target < 0:
        raise ValidationError({"target": _("A target is a positive number.")})
    objective, created = Objective.objects.update_or_create(
        kpi=kpi,
        node=node,
        start=period.start,
        end=period.end,
        defaults={"period_kind": period.kind, "target": target, "owner": owner},
        create_defaults={"period_kind": period.kind, "target": target, "owner": owner, "created_by": acting_user},
    )
    audit_record(
        actor=acting_user, action=AuditAction.OBJECTIVE_SET, node=node,
        summary=f"{kpi} on {node.slug} for {period.start}–{period.end}: target {target}",
        kpi=kpi, start=period.start.isoformat(), end=period.end.isoformat(), target=str(target),
        owner=owner.email if owner else None,
    )  # fmt: skip
    return objective, created


MAX_BOARD_TILES = 24


def kpi_keys_clean(keys, field):
    """KPI keys as typed (blanks dropped), checked against the catalog; ValidationError on `field` otherwise."""
    keys = [k.strip() for k in keys if k.strip()]
    unknown = [k for k in keys if k not in CATALOG]
    if unknown:
        raise ValidationError({field: _("Unknown KPI: %(keys)s.") % {"keys": ", ".join(unknown)}})
    if len(set(keys)) != len(keys):
        raise ValidationError({field: _("A KPI appears twice.")})
    if len(keys) > MAX_BOARD_TILES:
        raise ValidationError({field: _("At most %(n)s tiles: too much information kills information.")
                               % {"n": MAX_BOARD_TILES}})  # fmt: skip
    return keys


@transaction.atomic
def board_layout_set(*, network, home_kpis, wall_kpis, acting_user=None):
    """Choose the KPIs of a network's home board and wall screens (empty lists: the defaults)."""
    if network.parent_id is not None:
        raise ValidationError(_("A board layout belongs to a network."))
    layout, _created = BoardLayout.objects.update_or_create(
        network=network,
        defaults={"home_kpis": kpi_keys_clean(home_kpis, "home_kpis"),
                  "wall_kpis": kpi_keys_clean(wall_kpis, "wall_kpis")},
    )  # fmt: skip
    audit_record(actor=acting_user, action=AuditAction.BOARD_LAYOUT_SET, node=network,
                 summary=f"board of {network.slug}: {', '.join(layout.home_kpis) or 'default'}; wall: "
                         f"{', '.join(layout.wall_kpis) or 'default'}")  # fmt: skip
    return layout


@transaction.atomic
def facts_clear(*, node):
    """Delete every fact of `node`'s subtree (campaigns with their daily metrics, leads, conversations, sales), for a
    source whose records are the whole truth of that subtree (the demo). The caller refreshes the rollups."""
    path = node.path
    Conversation.objects.filter(in_subtree(path)).delete()
    Lead.objects.filter(in_subtree(path)).delete()
    DailyMetric.objects.filter(in_subtree(path, via="campaign__node")).delete()
    Campaign.objects.filter(in_subtree(path)).delete()
    Sale.objects.filter(in_subtree(path)).delete()


@transaction.atomic
def node_move(*, node, parent):
    """Re-hang `node` and its subtree under `parent`, figures included, and return it at its new place.

    accounts rewrites the tree's paths; the rollups copy those paths so that scoping needs no join, and follow here in
    the same transaction, or the old region would keep reading the moved franchisee's figures. The moved subtree's
    own totals are unchanged, but its old and new ancestors' are not: the subtree rollups of both networks are
    refreshed. ValidationError (nothing moved) for a parent of the wrong kind."""
    old_path, new_path = node_tree_move(node=node, parent=parent)
    node.refresh_from_db()
    if new_path == old_path:
        return node
    for model in (DailyRollup, SliceRollup, SubtreeRollup):
        model.objects.filter(in_subtree(old_path, via="node_path")).update(
            node_path=Node.moved_path("node_path", old_path=old_path, new_path=new_path)
        )
    for network_path in {Node(path=old_path).ancestor_paths()[0], Node(path=new_path).ancestor_paths()[0]}:
        subtree_rollups_refresh(network=Node.objects.get(path=network_path))
    return node


@transaction.atomic
def node_place(*, slug, name, kind, parent=None, **network_settings):
    """Create or update the node `slug` under `parent` (accounts.services.node_upsert), moving it there first
    (node_move) when it hangs elsewhere: for the callers that may move nodes, a nodes.csv row and the admin."""
    stored = Node.objects.select_for_update().filter(slug=slug).first()
    # A node changing kind moves nowhere: node_upsert refuses it, with that reason.
    if stored is not None and stored.kind == kind and stored.parent_id != (parent.pk if parent else None):
        node_move(node=stored, parent=parent)
    return node_upsert(slug=slug, name=name, kind=kind, parent=parent, **network_settings)
