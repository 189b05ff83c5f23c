"""What a report says, for one person: reads only, each through the one door (accounts.scoping.restrict).

A report is the board of a node over a period, as its reader would see it in the app: their own scope (the report's
node if they can see it, else their own highest nodes under it, one section each), their own language (the caller
activates it), figures from its board (kpis.boards, exactly what the app shows for that node and range) and
questions from the threads they can see. Short and
action-oriented: objectives first with their pace, then the operational KPIs that moved most, then the open questions
and those answered since the last report (Observation / Analysis / Recommendation), each with a link to the app.

The scheduled e-mail, its preview and the board's PDF export all build their content here.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, time

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import in_subtree
from accounts.scoping import top_nodes, visible_nodes
from accounts.selectors import node_network
from kpis.boards import BoardRange, board_range, board_read, objectives_overlapping
from kpis.catalog import CATALOG, Direction, Tier
from kpis.engine import KpiReport, ObjectiveStatus
from kpis.selectors import board_layout

from ..constants import CHILD_KPIS
from ..formatting import kpi_change, period_words
from ..models import Message, ThreadStatus
from ..questions.selectors import threads_visible

MOVERS = 5  # operational KPIs that moved most, per section
QUESTIONS = 5  # open questions, and questions answered, per section
# Candidates for "what moved most": operational KPIs with a better and a worse direction (a move of a neutral one,
# such as the budget used, calls for no action).
OPERATIONAL_KEYS = [k for k, kpi in CATALOG.items() if kpi.tier == Tier.OPERATIONAL and kpi.good != Direction.NEUTRAL]


@dataclass(frozen=True)
class Line:
    """A KPI of the report: its board tile's figures over the range against the previous period (and last year),
    with its objective: the tile's own when one is set for exactly this node and range, else the narrowest one on
    the node whose period overlaps the range (named with its period)."""

    report: KpiReport
    change: dict  # dashboard.formatting.kpi_change: change, arrow, verdict, words
    objective: ObjectiveStatus | None = None
    objective_period: object = None
    link: str = ""
    mature: bool = True

    @property
    def kpi(self):
        return self.report.kpi

    @property
    def change_last_year(self):
        return kpi_change(self.report, "last_year", mature=self.mature)


@dataclass(frozen=True)
class Question:
    """A question of the report: the thread, its first message (the question itself), and for an answered one its
    latest Observation / Analysis / Recommendation."""

    thread: object
    kpi: object
    question: Message | None
    answer: Message | None
    link: str


@dataclass(frozen=True)
class Section:
    """One node of the report: its objectives, its movers (or, for a board's export, the board's operational KPIs)
    and its questions."""

    node: object
    headlines: list
    movers: list
    open_questions: list
    answered: list
    link: str
    child_kpis: list = field(default_factory=list)
    children: list = field(default_factory=list)  # [(node, [KpiValue of each of child_kpis])]: the nodes below
    operational: list = field(default_factory=list)  # a board export's operational tiles, in the board's order


@dataclass(frozen=True)
class ReportContent:
    title: str
    network: object
    node: object
    range: BoardRange
    reader: object
    sections: list = field(default_factory=list)
    nothing_visible: str = ""  # why there are no sections: the reader can see nothing of the node

    @property
    def period(self):
        """The days the report's figures count."""
        return self.range.current

    @property
    def previous(self):
        """The days they are compared with."""
        return self.range.previous

    @property
    def currency(self):
        return self.network.currency


def report_nodes(*, user, node):
    """The nodes a report on `node` shows `user`: `node` itself if they can see it, else their own highest visible
    nodes below it (a network report for a franchisee is that franchisee's board); [] when they see nothing of it."""
    if visible_nodes(user).filter(pk=node.pk).exists():
        return [node]
    return list(top_nodes(user).subtree(node).order_by("path"))


def absolute(path, query=None):
    """A link to the app for e-mails and PDFs: SITE_URL + path (+ query)."""
    return settings.SITE_URL + path + ("?" + urlencode(query) if query else "")


def range_query(node, period):
    return {"node": node.slug, "period": "custom", "start": period.start.isoformat(), "end": period.end.isoformat()}


def _questions(user, node, since, until):
    """Open questions on `node`'s subtree, and those answered between `since` and `until` with their latest
    Observation / Analysis / Recommendation, newest first."""
    visible = threads_visible(user=user).filter(in_subtree(node))
    open_threads = list(visible.filter(status=ThreadStatus.OPEN).order_by("-updated_at", "-id")[:QUESTIONS])
    answers = (
        Message.objects.filter(thread__in=visible.values("pk"), created_at__gte=since, created_at__lt=until)
        .exclude(observation="", analysis="", recommendation="")
        .select_related("thread", "thread__node", "author")
        .order_by("-created_at", "-id")
    )
    latest = {}
    for message in answers:
        latest.setdefault(message.thread_id, message)
        if len(latest) == QUESTIONS:
            break
    threads = [*open_threads, *(m.thread for m in latest.values())]
    first = {}
    for message in Message.objects.filter(thread__in=threads).select_related("author").order_by("created_at", "id"):
        first.setdefault(message.thread_id, message)

    def item(thread, answer=None):
        link = absolute(reverse("dashboard:thread", args=[thread.pk]))
        return Question(thread, CATALOG.get(thread.kpi), first.get(thread.pk), answer, link)

    return [item(t) for t in open_threads], [item(m.thread, m) for m in latest.values()]


def _section(*, user, node, period, today, since, until, board_keys, board_export):
    """A node's section, from its board over `period` (kpis.boards: the figures the app shows): the board's business
    tiles and the KPIs with an objective over the range first; then, for a board's export, the board's operational
    tiles, else the operational KPIs that moved most against the previous period."""
    overlapping = objectives_overlapping(user=user, node=node, period=period, as_of=today)
    headline_keys = list(dict.fromkeys([*(k for k in board_keys if CATALOG[k].tier == Tier.BUSINESS), *overlapping]))
    operational_keys = [k for k in board_keys if CATALOG[k].tier == Tier.OPERATIONAL] if board_export else []
    keys = list(dict.fromkeys([*headline_keys, *operational_keys, *OPERATIONAL_KEYS]))
    board = board_read(user=user, node=node, keys=keys, child_keys=CHILD_KPIS, period=period, today=today)
    query = range_query(node, board.range.asked)

    def line(key):
        tile = board.tile(key)
        status, objective_period = (tile.objective, board.range.asked) if tile.objective else overlapping.get(
            key, (None, None))  # fmt: skip
        return Line(tile.report, kpi_change(tile.report, "previous", mature=tile.mature), status, objective_period,
                    absolute(reverse("dashboard:kpi", args=[key]), query), tile.mature)  # fmt: skip

    movers = []
    if not board_export:
        candidates = [line(key) for key in OPERATIONAL_KEYS if key not in headline_keys]
        # Ordered by the relative change, the one measure common to KPIs in points and in %.
        moving = [(m, m.report.relative_change(m.report.previous)) for m in candidates]
        movers = [m for m, relative in sorted(((m, r) for m, r in moving if r not in (None, 0)),
                                               key=lambda item: -abs(item[1]))[:MOVERS]]  # fmt: skip
    open_questions, answered = _questions(user, node, since, until)
    return Section(node, [line(key) for key in headline_keys], movers, open_questions, answered,
                   absolute(reverse("dashboard:home"), query), [CATALOG[k] for k in CHILD_KPIS],
                   [(child, [values[k] for k in CHILD_KPIS]) for child, values in board.children],
                   [line(key) for key in operational_keys])  # fmt: skip


def report_content(*, user, node, period, today, name="", since=None, until=None, board_export=False):
    """The report `name` on `node` over `period` as `user` may read it on `today` (the board's figures: a period
    under way is read to `today` and compared with as many days of the previous one), in the active language,
    titled after what they see of it and the days it counts. Questions answered between `since` and `until` (aware
    datetimes) are listed (by default, during the period). A board's export (`board_export`) lists the board's own
    operational tiles where a report lists what moved most."""
    network = node_network(node=node)
    zone = network.zone
    rng = board_range(period=period, today=today, fiscal_year_start_month=network.fiscal_year_start_month)
    nodes = report_nodes(user=user, node=node)
    since = since or datetime.combine(rng.current.start, time(0), tzinfo=zone)
    until = until or datetime.combine(rng.current.end, time(23, 59, 59, 999999), tzinfo=zone)
    title = report_title(name=name, nodes=nodes or [node], period=rng.current)
    content = ReportContent(title=title, network=network, node=node, range=rng, reader=user)
    if not nodes:
        reason = _("%(person)s can see nothing of %(node)s: they receive nothing.")
        return replace(content, nothing_visible=reason % {"person": user.email, "node": node.name})
    board_keys = board_layout(network=network).home_kpis
    content.sections.extend(
        _section(user=user, node=n, period=period, today=today, since=since, until=until, board_keys=board_keys,
                 board_export=board_export)
        for n in nodes
    )  # fmt: skip
    return content


def report_send_content(*, report, user, period, today, until=None):
    """The content of `report` over `period` for `user` on `today` (call it with their language active), titled
    like its e-mail: the scheduled send, its preview and "send now to me" all read it here."""
    return report_content(user=user, node=report.node, period=period, today=today, name=report.name, until=until)


def report_title(*, name, nodes, period):
    """ "Monthly report · Linguaviva · 1 – 31 January 2026" in the active language, after the nodes the reader
    sees ("Nice, Toulon"); a board export has no name."""
    parts = [name] if name else []
    return " · ".join([*parts, ", ".join(n.name for n in nodes), period_words(period)])
