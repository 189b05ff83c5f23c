"""Reads of "question this KPI": threads, notifications, annotations, and who a question goes to.

Every read for a person starts from accounts.scoping.restrict, the one door: a thread, a notification or an
annotation is seen by exactly the people who can see its node.
"""

from dataclasses import dataclass, field

from django.db.models import Case, Count, Q, Value, When

from accounts.constants import NodeKind, Role
from accounts.models import RoleAssignment, in_subtree
from accounts.scoping import audience, restrict
from kpis.models import Objective

from ..models import Annotation, KpiOwner, Notification, Thread, ThreadStatus

# The role that manages a node of each kind: where a question goes when nobody owns the KPI there.
MANAGING_ROLE = {NodeKind.NETWORK: Role.FRANCHISOR_ADMIN, NodeKind.REGION: Role.REGION_MANAGER,
                 NodeKind.FRANCHISEE: Role.FRANCHISEE}  # fmt: skip
UNRESOLVED = [ThreadStatus.OPEN, ThreadStatus.ANSWERED]


def threads_visible(*, user):
    """The threads `user` (a person or a wall's display link) may see: those on nodes they can see."""
    return restrict(Thread.objects.select_related("node", "author", "addressee"), user)


def thread_visible(*, user, pk):
    """The thread `pk` if `user` may see it, else None (pages answer 404 either way)."""
    return threads_visible(user=user).filter(pk=pk).first()


def questions_for(*, user):
    """"Questions for me": the visible threads addressed to `user`, unresolved first, latest activity first."""
    return _unresolved_first(threads_visible(user=user).filter(addressee=user))


def questions_by(*, user):
    """"My questions": the visible threads `user` asked."""
    return _unresolved_first(threads_visible(user=user).filter(author=user))


def _unresolved_first(threads):
    resolved_last = Case(When(status=ThreadStatus.RESOLVED, then=Value(1)), default=Value(0))
    return threads.order_by(resolved_last, "-updated_at", "-id")


def thread_can_set_status(*, thread, user):
    """The asker, the addressee, and whoever may change things on the node (not a read-only role)."""
    if user.pk in (thread.author_id, thread.addressee_id):
        return True
    return audience(thread.node, writers_only=True).filter(pk=user.pk).exists()


def thread_messages(*, thread):
    """The messages of a thread (already seen through the door), with their authors and mentions."""
    return thread.messages.select_related("author").prefetch_related("mentions")


def open_thread_counts(*, user, node, period):
    """{KPI key: number of unresolved threads} on exactly `node` whose period overlaps `period`: the badges of a
    board's tiles, in one grouped query whatever the number of tiles."""
    rows = (
        restrict(Thread.objects.filter(node=node, status__in=UNRESOLVED, period_start__lte=period.end,
                                       period_end__gte=period.start), user)
        .values("kpi")
        .annotate(n=Count("pk"))
        .order_by()
    )  # fmt: skip
    return {row["kpi"]: row["n"] for row in rows}


def thread_addressee(*, kpi, node, period, asker=None):
    """Who a question about `kpi` on `node` over `period` goes to, in this order:

    1. the owner of the objective of `kpi` on `node` whose period covers `period` (the narrowest);
    2. the KPI's owner on `node` (KpiOwner);
    3. the node's manager: the person holding the node's own managing role (franchisee on a franchisee,
       region_manager on a region, franchisor_admin on the network), walking up the tree when there is none.

    A candidate who cannot see the node (their role was taken away) or who is the asker is passed over: nobody
    addresses a question to themselves. None when nobody is left.
    """
    objective = (
        Objective.objects.filter(kpi=kpi, node=node, start__lte=period.start, end__gte=period.end, owner__isnull=False)
        .select_related("owner")
        .order_by("-start", "end")
        .first()
    )
    owners = [objective.owner] if objective else []
    owners += [owner.user for owner in KpiOwner.objects.filter(kpi=kpi, node=node).select_related("user")]
    owners = [user for user in owners if user.is_active and user != asker]
    if owners:
        can_see = set(audience(node).filter(pk__in=[user.pk for user in owners]).values_list("pk", flat=True))
        for user in owners:
            if user.pk in can_see:
                return user
    return node_manager(node=node, asker=asker)


def node_manager(*, node, asker=None):
    """The person holding `node`'s managing role, or the nearest ancestor's, in one query (see MANAGING_ROLE)."""
    assignments = (
        RoleAssignment.objects.filter(node__path__in=[*node.ancestor_paths(), node.path], user__is_active=True,
                                      role__in=set(MANAGING_ROLE.values()))
        .select_related("user", "node")
        .order_by("-node__depth", "created_at", "pk")
    )  # fmt: skip
    for assignment in assignments:
        if assignment.role == MANAGING_ROLE[NodeKind(assignment.node.kind)] and assignment.user != asker:
            return assignment.user
    return None


def mention_candidates(*, node):
    """The people who may be mentioned in a thread on `node`: those who can see it."""
    return audience(node).order_by("first_name", "last_name", "email")


def notifications_for(*, user):
    """`user`'s notifications about threads they can still see, newest first."""
    return restrict(Notification.objects.filter(recipient=user), user, via="thread__node").select_related(
        "thread", "thread__node", "actor"
    )


def unread_notifications_count(*, user):
    return notifications_for(user=user).filter(read_at__isnull=True).count()


def annotations_for(*, user, node, kpi, start, end):
    """The notes on `node` about `kpi` (or about every KPI) dated between `start` and `end`, oldest first."""
    return restrict(Annotation.objects.filter(node=node, day__range=(start, end)), user).filter(
        Q(kpi=kpi) | Q(kpi="")
    ).order_by("day", "pk")


@dataclass(frozen=True)
class BoardQuestions:
    """What a board needs of the questions: the open-thread count of each tile."""

    counts: dict = field(default_factory=dict)


def board_questions(*, user, node, period):
    return BoardQuestions(open_thread_counts(user=user, node=node, period=period))


@dataclass(frozen=True)
class KpiQuestions:
    """What a KPI page shows of the questions: the threads on this KPI and node, who a new one would go to, who
    may be mentioned, the notes drawn on the chart and whether the viewer may add one."""

    threads: list
    addressee: object
    candidates: list
    annotations: list
    chart_annotations: list
    can_annotate: bool


def kpi_questions(*, user, kpi, node, period, series_periods):
    threads = list(threads_visible(user=user).filter(kpi=kpi, node=node).order_by("-updated_at")[:20])
    notes = list(annotations_for(user=user, node=node, kpi=kpi, start=series_periods[0].start,
                                 end=series_periods[-1].end)) if series_periods else []  # fmt: skip
    return KpiQuestions(
        threads=threads,
        addressee=thread_addressee(kpi=kpi, node=node, period=period, asker=user),
        candidates=list(mention_candidates(node=node)),
        annotations=notes,
        chart_annotations=annotations_on_periods(notes, series_periods),
        can_annotate=audience(node, writers_only=True).filter(pk=user.pk).exists(),
    )


def annotations_on_periods(notes, periods):
    """[(period label, text)] for the notes that fall in `periods`, several notes of one period joined."""
    by_label = {}
    for note in notes:
        period = next((p for p in periods if p.contains(note.day)), None)
        if period is not None:
            by_label.setdefault(period.label, []).append(f"{note.day:%d/%m} {note.text}")
    return [(label, " · ".join(texts)) for label, texts in by_label.items()]


@dataclass(frozen=True)
class WallQuestions:
    """What a wall screen shows: how many questions are open in its subtree (never their text) and the latest
    notes."""

    open_count: int
    annotations: list


def wall_questions(*, link, limit=3):
    node = link.node
    threads = restrict(Thread.objects.filter(in_subtree(node), status__in=UNRESOLVED), link)
    notes = restrict(Annotation.objects.filter(in_subtree(node)), link).select_related("node")
    return WallQuestions(threads.count(), list(notes.order_by("-day", "-pk")[:limit]))
