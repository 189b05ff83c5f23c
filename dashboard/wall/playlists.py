"""A wall screen's playlist: the slides a display link rotates through (each a board of the link's node or of a node
below it) and how often the screen reloads, typed as text by administrators, checked, and stored on the link.
Creating, configuring and revoking the link itself (its signed token, its scope) is accounts' work."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AuditAction, Node
from accounts.services import audit_record, display_link_issue
from kpis.catalog import CATALOG


class WallBoard(models.TextChoices):
    """What one slide of a wall screen shows, for one node."""

    OBJECTIVES = "objectives", gettext_lazy("Business objectives")
    OPERATIONS = "operations", gettext_lazy("Operational KPIs")
    RANKING = "ranking", gettext_lazy("Ranking of the nodes below")
    KPI = "kpi", gettext_lazy("One KPI beside its driver")


WALL_SLIDE_SECONDS = (5, 3600)  # shortest and longest time a slide stays on screen
WALL_REFRESH_SECONDS = (10, 24 * 3600)  # how often, at most and at least, a screen reloads its data


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
    inside = set(Node.objects.subtree(node).filter(slug__in=slugs).values_list("slug", flat=True))
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


def refresh_clean(refresh_seconds):
    shortest, longest = WALL_REFRESH_SECONDS
    if refresh_seconds is not None and not shortest <= refresh_seconds <= longest:
        raise ValidationError(_("A screen reloads every %(low)s to %(high)s seconds.")
                              % {"low": shortest, "high": longest})  # fmt: skip
    return refresh_seconds


def display_link_create(*, node, days=30, label="", playlist=(), refresh_seconds=None, acting_user=None):
    """A wall-screen link to `node`, valid for `days`, rotating through `playlist` (entries as playlist_parse returns
    them; empty: the default playlist) and reloading every `refresh_seconds` (None: the installation's default), both
    checked first. Returns (link, token)."""
    return display_link_issue(node=node, days=days, label=label,
                              playlist=playlist_clean(entries=list(playlist), node=node),
                              refresh_seconds=refresh_clean(refresh_seconds), acting_user=acting_user)  # fmt: skip


@transaction.atomic
def display_link_configure(*, link, playlist, refresh_seconds, label=None, acting_user=None):
    """Change what a screen shows and how often it reloads; the screen picks it up at its next reload."""
    link.playlist = playlist_clean(entries=list(playlist), node=link.node)
    link.refresh_seconds = refresh_clean(refresh_seconds)
    fields = ["playlist", "refresh_seconds"]
    if label is not None:
        link.label = label
        fields.append("label")
    link.save(update_fields=fields)
    audit_record(actor=acting_user, action=AuditAction.DISPLAY_LINK_CHANGED, node=link.node,
                 summary=f"display link #{link.pk} on {link.node.slug}: {playlist_text(link.playlist) or 'default'}"
                         f", refresh {link.refresh_seconds or 'default'}", link=link.pk)  # fmt: skip
    return link
