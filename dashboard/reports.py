"""What a report says, for one person: reads only, each through the one door (accounts.scoping.restrict).

A report is the board of a node over a period, as its reader would see it in the app: their own scope (the report's
node if they can see it, else their own highest nodes under it, one section each), their own language (the caller
activates it), figures read from subtree_rows(user=reader) and questions from the threads they can see. Short and
action-oriented: objectives first with their pace, then the operational KPIs that moved most, then the open questions
and those answered since the last report (Observation / Analysis / Recommendation), each with a link to the app.

The scheduled e-mail, its preview and the board's PDF export all build their content here.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import RoleAssignment, User
from accounts.scoping import audience, restrict, top_nodes, visible_nodes
from accounts.selectors import node_network
from kpis.catalog import CATALOG, Direction, Tier
from kpis.engine import KpiReport, ObjectiveStatus, kpi_breakdown, kpi_series, objective_status
from kpis.models import Objective
from kpis.periods import Period, PeriodKind, custom_period
from kpis.selectors import board_layout, subtree_rows

from .cadence import Send, report_sends
from .constants import CHILD_KPIS
from .models import Message, Report, ReportRecipient, ThreadStatus
from .selectors import threads_visible
from .templatetags.kpi_tags import kpi_change

MOVERS = 5  # operational KPIs that moved most, per section
QUESTIONS = 5  # open questions, and questions answered, per section
# Candidates for "what moved most": operational KPIs with a better and a worse direction (a move of a neutral one,
# such as the budget used, calls for no action).
OPERATIONAL_KEYS = [k for k, kpi in CATALOG.items() if kpi.tier == Tier.OPERATIONAL and kpi.good != Direction.NEUTRAL]


@dataclass(frozen=True)
class Line:
    """A KPI over the report's period against the previous one (and last year), with its objective when one is
    set on the node for a period that overlaps the report's."""

    report: KpiReport
    change: dict  # kpi_tags.kpi_change: change, arrow, verdict, words
    objective: ObjectiveStatus | None = None
    objective_period: object = None
    link: str = ""

    @property
    def kpi(self):
        return self.report.kpi


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
    """One node of the report: its objectives, its movers and its questions."""

    node: object
    headlines: list
    movers: list
    open_questions: list
    answered: list
    link: str
    child_kpis: list = field(default_factory=list)
    children: list = field(default_factory=list)  # [(node, [KpiValue of each of child_kpis])]: the nodes below


@dataclass(frozen=True)
class ReportContent:
    title: str
    network: object
    node: object
    period: object
    previous: object
    reader: object
    sections: list = field(default_factory=list)
    nothing_visible: str = ""  # why there are no sections: the reader can see nothing of the node

    @property
    def currency(self):
        return self.network.currency


def report_nodes(*, user, node):
    """The nodes a report on `node` shows `user`: `node` itself if they can see it, else their own highest visible
    nodes below it (a network report for a franchisee is that franchisee's board); [] when they see nothing of it."""
    if visible_nodes(user).filter(pk=node.pk).exists():
        return [node]
    return list(top_nodes(user).filter(path__startswith=node.path).order_by("path"))


def period_words(period):
    """ "5 – 11 janvier 2026", "26 janvier – 1 février 2026", "1 décembre 2025 – 28 février 2026", in the active
    language."""
    start, end = period.start, period.end
    if start == end:
        return date_format(start, "j F Y")
    if start.year != end.year:
        return f"{date_format(start, 'j F Y')} – {date_format(end, 'j F Y')}"
    if start.month != end.month:
        return f"{date_format(start, 'j F')} – {date_format(end, 'j F Y')}"
    return f"{date_format(start, 'j')} – {date_format(end, 'j F Y')}"


def period_name(period):
    """A period named as people say it, in the active language: "novembre 2026", "semaine 48 2026", "T4 2026",
    "exercice 2026/27"; a day or a custom range by its dates."""
    kind = PeriodKind(period.kind)
    if kind == PeriodKind.MONTH:
        return date_format(period.start, "F Y")
    if kind == PeriodKind.WEEK:
        year, week, _weekday = period.start.isocalendar()
        return _("week %(week)s %(year)s") % {"week": week, "year": year}
    if kind == PeriodKind.QUARTER:
        return _("Q%(quarter)s %(year)s") % {"quarter": (period.start.month - 1) // 3 + 1, "year": period.start.year}
    if kind == PeriodKind.FISCAL_YEAR:
        return _("fiscal year %(label)s") % {"label": period.label.removeprefix("FY")}
    return period_words(period)


def period_heading(period):
    """A page's period line: its name, with its dates where the name does not say them ("Semaine 48 2026 · 23 – 29
    novembre 2026"; "Novembre 2026" alone)."""
    name = period_name(period)
    if PeriodKind(period.kind) in (PeriodKind.WEEK, PeriodKind.QUARTER, PeriodKind.FISCAL_YEAR):
        name = f"{name} · {period_words(period)}"
    return name[:1].upper() + name[1:]


def absolute(path, query=None):
    """A link to the app for e-mails and PDFs: SITE_URL + path (+ query)."""
    return settings.SITE_URL + path + ("?" + urlencode(query) if query else "")


def range_query(node, period):
    return {"node": node.slug, "period": "custom", "start": period.start.isoformat(), "end": period.end.isoformat()}


def _reports(rows, node, keys, period, previous):
    last_year = period.same_period_last_year()
    values = kpi_series(rows=rows, node=node, keys=keys, periods=[period, previous, last_year])
    return {key: KpiReport(*values[key]) for key in keys}


def _objectives(user, node, period, as_of, rows):
    """{KPI key: (status, objective period)} for the objectives on `node` whose period overlaps `period`, the
    narrowest first; each read to `as_of` (the end of the report's period, or today on the board)."""
    objectives = restrict(Objective.objects.filter(node=node, start__lte=period.end, end__gte=period.start), user)
    found = {}
    for objective in sorted(objectives, key=lambda o: (o.end - o.start, o.start)):
        if objective.kpi in CATALOG and objective.kpi not in found:
            status = objective_status(rows=rows, objective=objective, today=min(as_of, objective.end))
            found[objective.kpi] = (status, Period(objective.period_kind, objective.start, objective.end))
    return found


def _questions(user, node, since, until):
    """Open questions on `node`'s subtree, and those answered between `since` and `until` with their latest
    Observation / Analysis / Recommendation, newest first."""
    visible = threads_visible(user=user).filter(node__path__startswith=node.path)
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


def _section(*, user, node, period, previous, as_of, since, until, rows, business_keys):
    objectives = _objectives(user, node, period, as_of, rows)
    headline_keys = list(dict.fromkeys([*business_keys, *objectives]))
    keys = list(dict.fromkeys([*headline_keys, *OPERATIONAL_KEYS]))
    reports = _reports(rows, node, keys, period, previous)
    query = range_query(node, period)

    def line(key):
        status, objective_period = objectives.get(key, (None, None))
        return Line(reports[key], kpi_change(reports[key], "previous"), status, objective_period,
                    absolute(reverse("dashboard:kpi", args=[key]), query))  # fmt: skip

    movers = [line(key) for key in OPERATIONAL_KEYS if key not in headline_keys]
    movers = sorted((m for m in movers if m.report.change_previous not in (None, 0)),
                    key=lambda m: -abs(m.report.change_previous))[:MOVERS]  # fmt: skip
    open_questions, answered = _questions(user, node, since, until)
    below = list(visible_nodes(user).filter(parent=node).order_by("name"))
    children = kpi_breakdown(rows=rows, node=node, keys=CHILD_KPIS, period=period, by="child", children=below)
    return Section(node, [line(key) for key in headline_keys], movers, open_questions, answered,
                   absolute(reverse("dashboard:home"), query), [CATALOG[k] for k in CHILD_KPIS],
                   [(child, [values[k] for k in CHILD_KPIS]) for child, values in children])  # fmt: skip


def report_content(*, user, node, period, previous, as_of, name="", since=None, until=None):
    """The report `name` on `node` over `period` (compared with `previous`) as `user` may read it, in the active
    language, titled after what they see of it. Objectives are read to `as_of`; questions answered between `since`
    and `until` (aware datetimes) are listed (by default, during the period)."""
    network = node_network(node=node)
    zone = network.zone
    since = since or datetime.combine(period.start, time(0), tzinfo=zone)
    until = until or datetime.combine(period.end, time(23, 59, 59, 999999), tzinfo=zone)
    nodes = report_nodes(user=user, node=node)
    title = report_title(name=name, nodes=nodes or [node], period=period)
    content = ReportContent(title=title, network=network, node=node, period=period, previous=previous, reader=user)
    if not nodes:
        reason = _("%(person)s can see nothing of %(node)s: they receive nothing.")
        return replace(content, nothing_visible=reason % {"person": user.email, "node": node.name})
    rows = subtree_rows(user=user)  # one row per node and day: a network's report reads little
    business_keys = [k for k in board_layout(network=network).home_kpis if CATALOG[k].tier == Tier.BUSINESS]
    content.sections.extend(
        _section(user=user, node=n, period=period, previous=previous, as_of=as_of, since=since, until=until,
                 rows=rows, business_keys=business_keys)
        for n in nodes
    )  # fmt: skip
    return content


def report_send_content(*, report, user, period, previous, as_of, until=None):
    """The content of `report` over `period` for `user` (call it with their language active), titled like its
    e-mail: the scheduled send, its preview and "send now to me" all read it here."""
    return report_content(user=user, node=report.node, period=period, previous=previous, as_of=as_of,
                          name=report.name, until=until)  # fmt: skip


def report_people(*, network):
    """The active people holding a role in `network`: whom an administrator may choose as recipients (the service
    then checks that each can see something of the report's node)."""
    return User.objects.filter(is_active=True, role_assignments__node__path__startswith=network.path).distinct()


def report_title(*, name, nodes, period):
    """ "Monthly report · Linguaviva · 1 – 31 January 2026" in the active language, after the nodes the reader
    sees ("Nice, Toulon"); a board export has no name."""
    parts = [name] if name else []
    return " · ".join([*parts, ", ".join(n.name for n in nodes), period_words(period)])


# Managing reports: reads for the Reports page, the dispatcher and the unsubscribe link ---------------------------

UNSUBSCRIBE_SALT = "dashboard.reports.unsubscribe"


def report_candidates(*, node):
    """The people who may receive a report on `node`: those who can see it, and those who can see something below
    it (they receive their own part)."""
    below = RoleAssignment.objects.filter(node__path__startswith=node.path).values("user_id")
    return (audience(node) | User.objects.filter(is_active=True, pk__in=below)).distinct().order_by("email")


def network_reports(*, network):
    """The reports of `network`'s nodes, with how many people receive each."""
    active = Count("recipients", filter=Q(recipients__unsubscribed_at__isnull=True))
    return Report.objects.filter(node__path__startswith=network.path).select_related("node").annotate(
        subscribed=active).order_by("node__path", "name", "pk")  # fmt: skip


def report_recipients(*, report):
    return report.recipients.select_related("user").order_by("user__email")


def report_deliveries(*, report, limit=50):
    return report.deliveries.select_related("recipient__user")[:limit]


def report_sends_of(*, report, until):
    """The sends of `report` up to the local day `until` (see dashboard.cadence)."""
    network = node_network(node=report.node)
    return report_sends(cadence=report.cadence, start=report.start_date, until=until,
                        fiscal_year_start_month=network.fiscal_year_start_month)  # fmt: skip


def report_sample_send(*, report, today):
    """The send a preview (or "send now to me") shows: the latest one due by `today`, else the first one to come,
    its period under way read to `today` and compared with as many days of the previous one, as on the board."""
    # Every cadence sends at least once a fiscal quarter: a little over a quarter ahead always holds the next one.
    sends = report_sends_of(report=report, until=max(today, report.start_date) + timedelta(days=100))
    due = [send for send in sends if send.day <= today]
    if due:
        return due[-1]
    send = sends[0]
    if today < send.period.start:
        return send
    elapsed = timedelta(days=(today - send.period.start).days)
    previous = send.previous
    return Send(send.day, custom_period(send.period.start, today),
                custom_period(previous.start, min(previous.end, previous.start + elapsed)))  # fmt: skip


def report_next_send(*, report, today):
    """The local day of the next send after `today`, for the Reports page."""
    sends = report_sends_of(report=report, until=max(today, report.start_date) + timedelta(days=100))
    return next((send.day for send in sends if send.day > today), None)


def unsubscribe_token(recipient):
    """The signed token of a recipient's unsubscribe link: it names the subscription, needs no login and never
    expires (an old e-mail's link still works)."""
    return signing.dumps(recipient.pk, salt=UNSUBSCRIBE_SALT)


def recipient_from_token(token):
    """The subscription a token names, or None for a forged, altered or stale one."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return ReportRecipient.objects.select_related("report__node", "user").filter(pk=pk).first()
