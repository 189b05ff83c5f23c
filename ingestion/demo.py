"""Building the demo: its tree and people (kpis.demo), then its facts through a `demo` data source synced like any
other, then this month's objectives, read from the rollups the sync refreshed, and last its KPI owners and question
rules, run once as after a nightly sync, and its scheduled reports (dashboard.demo)."""

from django.db import transaction

from kpis.demo import DEMO_DOMAIN, NETWORK, demo_nodes, demo_objectives, demo_users

from .constants import SourceKind, SyncStatus
from .services import source_register, sync_now

DEMO_SOURCE = "linguaviva-demo"


class DemoSyncFailed(Exception):
    pass


@transaction.atomic
def demo_build(*, seed=42, today, months=18):
    """(Re)build the demo network: tree, people, facts and objectives. Idempotent for a given seed and day.
    Returns (logins, counts, run)."""
    nodes = demo_nodes()
    logins = demo_users()
    source, _ = source_register(slug=DEMO_SOURCE, kind=SourceKind.DEMO, node=nodes[NETWORK["slug"]],
                                config={"seed": seed, "months": months}, name="Linguaviva (demo)")  # fmt: skip
    run = sync_now(source=source, today=today)[0]
    if run.status != SyncStatus.SUCCEEDED:
        raise DemoSyncFailed(f"the demo sync failed: {run.error}\n{run.rejected_reasons}")
    objectives = demo_objectives(nodes=nodes, today=today)
    from dashboard.demo import demo_questions, demo_reports  # the demo is the one place that assembles every app

    questions = demo_questions(nodes=nodes, today=today, domain=DEMO_DOMAIN)
    reports = demo_reports(nodes=nodes, today=today, domain=DEMO_DOMAIN)
    return logins, {"facts": run.created, "objectives": objectives, "automatic questions": len(questions),
                    "reports": len(reports)}, run  # fmt: skip
