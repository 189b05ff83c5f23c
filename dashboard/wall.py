"""Wall screens: a display link's playlist of slides, shown full screen with no login and no interaction.

A link names a node; each slide shows one board of that node or of a node below it (objectives, operational KPIs,
the ranking of the nodes below, or one KPI beside its driver). The page rotates through the slides by itself
(static/js/wall.js) and reloads its data every `refresh_seconds`, keeping the current slide if the server cannot
be reached. Every figure is read through the link's own scope (accounts.scoping treats a link like a person).
"""

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from accounts.constants import WallBoard
from accounts.models import Node
from accounts.selectors import node_network
from accounts.services import display_link_resolve
from ingestion.selectors import data_freshness
from kpis.catalog import CATALOG, Tier, partner_of
from kpis.periods import PeriodKind, parse_period, series
from kpis.selectors import board, board_layout

from . import charts
from .selectors import wall_questions

RANKING_KPIS = ["sales_revenue", "leads", "cpl"]
RANKING_LENGTH = 10  # rows a screen can show at a readable size
TILES_PER_SLIDE = 6


@dataclass
class Slide:
    board: str
    node: Node
    seconds: int
    title: str
    tiles: list = field(default_factory=list)
    sparklines: dict = field(default_factory=dict)
    ranking: list = field(default_factory=list)
    ranking_kpis: list = field(default_factory=list)
    figure: str = ""
    tile: object = None


def default_playlist(*, node, has_children):
    """What a screen shows when nobody chose: the node's objectives, its operational KPIs, the nodes below it
    ranked, and revenue beside the leads that feed it."""
    playlist = [{"board": WallBoard.OBJECTIVES, "node": "", "seconds": 30},
                {"board": WallBoard.OPERATIONS, "node": "", "seconds": 30}]  # fmt: skip
    if has_children:
        playlist.append({"board": WallBoard.RANKING, "node": "", "seconds": 20})
    playlist.append({"board": WallBoard.KPI, "kpi": "sales_revenue", "node": "", "seconds": 20})
    return playlist


def _playlist_nodes(link, playlist):
    """{slug: node} for the slides' nodes that still lie inside the link's subtree (a node moved away since the
    playlist was written is skipped, never shown)."""
    slugs = {e["node"] for e in playlist if e.get("node")}
    nodes = {n.slug: n for n in Node.objects.filter(slug__in=slugs, path__startswith=link.node.path)}
    nodes[""] = link.node
    return nodes


def wall_slides(*, link, today):
    """The slides of `link`'s playlist with their figures, for the current month of the link's network. Figures come
    from the board selector (subtree totals, cached per node and period), read with the link's own scope."""
    network = node_network(node=link.node)
    period = parse_period(PeriodKind.MONTH, today, fiscal_year_start_month=network.fiscal_year_start_month)
    months = series(PeriodKind.MONTH, today, 13, fiscal_year_start_month=network.fiscal_year_start_month)
    labels = charts.axis_labels(months)
    wall_kpis = board_layout(network=network).wall_kpis
    has_children = Node.objects.filter(parent=link.node).exists()
    playlist = link.playlist or default_playlist(node=link.node, has_children=has_children)
    nodes = _playlist_nodes(link, playlist)

    def read(node, keys=(), child_keys=()):
        return board(user=link, node=node, keys=list(keys), child_keys=list(child_keys), period=period, today=today,
                     series_periods=months)  # fmt: skip

    slides = []
    for entry in playlist:
        node = nodes.get(entry.get("node") or "")
        if node is None:
            continue
        board_name, seconds = entry["board"], entry["seconds"]
        if board_name in (WallBoard.OBJECTIVES, WallBoard.OPERATIONS):
            tier = Tier.BUSINESS if board_name == WallBoard.OBJECTIVES else Tier.OPERATIONAL
            tiles = read(node, keys=[k for k in wall_kpis if CATALOG[k].tier == tier][:TILES_PER_SLIDE]).tiles
            sparklines = {t.kpi.key: json.dumps(charts.sparkline(labels, [v.value for v in t.series], theme="dark"))
                          for t in tiles}  # fmt: skip
            title = _("Business objectives") if tier == Tier.BUSINESS else _("Operational KPIs")
            slides.append(Slide(board_name, node, seconds, title, tiles=tiles, sparklines=sparklines))
        elif board_name == WallBoard.RANKING:
            ranked = read(node, child_keys=RANKING_KPIS).children
            if not ranked:
                continue
            ranked = sorted(ranked, key=lambda item: -(item[1][RANKING_KPIS[0]].value or 0))[:RANKING_LENGTH]
            figure = charts.ranking_bars([c.name for c, _v in ranked], [v[RANKING_KPIS[0]].value for _c, v in ranked],
                                         unit=CATALOG[RANKING_KPIS[0]].unit.value, theme="dark")  # fmt: skip
            slides.append(Slide(board_name, node, seconds, _("Ranking of the nodes below"), figure=json.dumps(figure),
                                ranking=[(c, [v[k] for k in RANKING_KPIS]) for c, v in ranked],
                                ranking_kpis=[CATALOG[k] for k in RANKING_KPIS]))  # fmt: skip
        elif board_name == WallBoard.KPI:
            kpi = CATALOG[entry["kpi"]]
            partner = partner_of(kpi)
            tile, other = read(node, keys=[kpi.key, partner.key]).tiles
            figure = charts.outcome_and_driver(labels, str(kpi.name), [v.value for v in tile.series],
                                               str(partner.name), [v.value for v in other.series], theme="dark",
                                               height=None)  # fmt: skip
            title = _("%(kpi)s beside %(partner)s") % {"kpi": kpi.name, "partner": partner.name}
            slides.append(Slide(board_name, node, seconds, title, figure=json.dumps(figure), tile=tile))
    return slides, period


@require_GET
@xframe_options_exempt
def wall(request, token):
    """The wall screen: a display link's slides, no login, read-only; the page rotates and reloads itself."""
    link = display_link_resolve(token=token)
    if link is None:
        raise Http404
    network = node_network(node=link.node)
    today = timezone.localdate(timezone=network.zone)
    slides, period = wall_slides(link=link, today=today)
    return render(request, "dashboard/wall.html", {
        "link": link, "node": link.node, "network": network, "period": period, "slides": slides,
        "freshness": data_freshness(node=link.node), "questions": wall_questions(link=link),
        "now": timezone.localtime(timezone=network.zone),
        "refresh_seconds": link.refresh_seconds or settings.WALL_REFRESH_SECONDS,
    })  # fmt: skip
