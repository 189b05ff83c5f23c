"""Reads on data sources and their runs. The Data sources page is for a network's administrators; freshness is
shown to whoever can see a node (it names only sources of that node's branch)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import in_subtree

from .constants import SourceKind, SyncStatus
from .models import DataSource, SyncRun


@dataclass(frozen=True)
class Freshness:
    """How fresh the data behind a node is: when its sources last synced, and what to warn about."""

    has_sources: bool
    last_success_at: datetime | None
    last_run_failed: bool
    stale: bool
    failing_sources: tuple = ()
    stale_after_hours: int = 26


def feeding_sources(*, node):
    """Enabled sources whose facts a node's figures count: those of its own subtree, and those above it (a
    network-wide account feeds every franchisee's numbers)."""
    return DataSource.objects.filter(
        Q(in_subtree(node)) | Q(node__path__in=node.ancestor_paths()), enabled=True
    )


def data_freshness(*, node, now=None):
    """The Freshness of the data behind `node`. Stale: no successful sync within DATA_STALE_AFTER_HOURS of a
    pulled source. Failed: the latest run of some source failed. Webhook-only sources push when they have
    something: their silence is not staleness."""
    now, hours = now or timezone.now(), settings.DATA_STALE_AFTER_HOURS
    sources = list(feeding_sources(node=node).only("pk", "slug", "name", "kind"))
    if not sources:
        return Freshness(has_sources=False, last_success_at=None, last_run_failed=False, stale=False,
                         stale_after_hours=hours)  # fmt: skip
    ids = [s.pk for s in sources]
    last_success = (
        SyncRun.objects.filter(source_id__in=ids, status=SyncStatus.SUCCEEDED).aggregate(at=Max("finished_at"))["at"]
    )
    latest = {}
    finished = SyncRun.objects.filter(source_id__in=ids, status__in=[SyncStatus.SUCCEEDED, SyncStatus.FAILED])
    for source_id, status in finished.order_by("source_id", "-finished_at", "-id").values_list("source_id", "status"):
        latest.setdefault(source_id, status)
    failing = tuple(str(s) for s in sources if latest.get(s.pk) == SyncStatus.FAILED)
    pulled = [s for s in sources if s.kind != SourceKind.WEBHOOK]
    stale = bool(pulled) and (
        last_success is None or now - last_success > timedelta(hours=hours)
    )
    return Freshness(has_sources=True, last_success_at=last_success, last_run_failed=bool(failing), stale=stale,
                     failing_sources=failing, stale_after_hours=hours)  # fmt: skip


def network_sources(*, network):
    """The sources of a network with their latest run (`latest_run`), for its administrators."""
    newest = SyncRun.objects.filter(source=OuterRef("pk")).order_by("-queued_at", "-id").values("pk")[:1]
    sources = list(DataSource.objects.filter(in_subtree(network)).select_related("node")
                   .annotate(latest_run_id=Subquery(newest)))  # fmt: skip
    # Only each source's newest run is read, not years of nightly history.
    latest = SyncRun.objects.in_bulk([s.latest_run_id for s in sources if s.latest_run_id])
    for source in sources:
        source.latest_run = latest.get(source.latest_run_id)
    return sources


def source_runs(*, source, limit=50):
    return SyncRun.objects.filter(source=source).order_by("-queued_at", "-id")[:limit]
