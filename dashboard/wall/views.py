"""Wall screens: a display link's playlist of slides, shown full screen with no login and no interaction.

A link names a node; each slide shows one board of that node or of a node below it (objectives, operational KPIs,
the ranking of the nodes below, or one KPI beside its driver). The page rotates through the slides by itself
(static/js/wall.js) and reloads its data every `refresh_seconds`, keeping the current slide if the server cannot
be reached. Every figure is read through the link's own scope (accounts.scoping treats a link like a person).
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from accounts.selectors import node_network
from accounts.services import display_link_resolve
from ingestion.selectors import data_freshness

from ..questions.selectors import wall_questions
from .slides import wall_slides


@require_GET
@xframe_options_exempt
def wall(request, token):
    """The wall screen: a display link's slides, no login, read-only; the page rotates and reloads itself."""
    link = display_link_resolve(token=token)
    if link is None:
        raise Http404
    network = node_network(node=link.node)
    today = timezone.localdate(timezone=network.zone)
    slides, board_range = wall_slides(link=link, today=today)
    return render(request, "dashboard/wall.html", {
        "link": link, "node": link.node, "network": network, "period": board_range.asked,
        "board_range": board_range, "slides": slides,
        "freshness": data_freshness(node=link.node), "questions": wall_questions(link=link),
        "now": timezone.localtime(timezone=network.zone),
        "refresh_seconds": link.refresh_seconds or settings.WALL_REFRESH_SECONDS,
    })  # fmt: skip
