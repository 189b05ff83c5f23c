"""Writes on facts and objectives."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditAction
from accounts.services import audit_record

from .catalog import CATALOG
from .models import BoardLayout, Campaign, Conversation, DailyMetric, Lead, Objective, Sale


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
    Conversation.objects.filter(node__path__startswith=path).delete()
    Lead.objects.filter(node__path__startswith=path).delete()
    DailyMetric.objects.filter(campaign__node__path__startswith=path).delete()
    Campaign.objects.filter(node__path__startswith=path).delete()
    Sale.objects.filter(node__path__startswith=path).delete()
