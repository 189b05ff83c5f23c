"""The demo, the one place that assembles every app: demo_build builds its tree and people (ingestion.demo_data), then
its facts through a `demo` data source synced like any other, then this month's objectives, read from the rollups the
sync refreshed, and last its questions and reports (below), as after a nightly sync, and its conversion lag, as the
nightly measure would (kpis.maturity).

Who answers for which KPI, and the rules that open, after each nightly sync, the questions the demo's stories call
for (ingestion.demo_data plants them):

- the Sud region's leads rise while its new customers fall: an outcome against its driver, against last year
  (the school year makes month-on-month changes seasonal);
- objectives of revenue and new customers off track (the network's and the regions' objectives of the month);
- a sharp fall of revenue against last year on any node (Sud's franchisees, whose sales fall).

Then its scheduled reports: the network's monthly report for its executive, and a new project's report for a
franchisee (see DEMO_REPORTS).
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from ingestion.constants import SourceKind, SyncStatus
from ingestion.demo_data import DEMO_DOMAIN, NETWORK, demo_nodes, demo_objectives, demo_users
from ingestion.services import source_register, sync_now
from kpis.maturity import conversion_lag_measure

from .constants import ReportCadence
from .models import QuestionRule, Report, RuleComparison, RuleKind, RuleScope
from .questions.automatic import automatic_questions_run
from .questions.services import kpi_owner_set
from .reports.services import report_create

# (person, node, KPIs they answer for there): marketing answers for the network's acquisition KPIs.
DEMO_KPI_OWNERS = [("marketing", "linguaviva", ["leads", "qualified_leads", "cpl", "capture_rate", "budget_used"])]
# (KPI, node, scope, kind, comparison, threshold)
DEMO_RULES = [
    ("leads", "linguaviva", RuleScope.CHILDREN, RuleKind.AGAINST_DRIVER, RuleComparison.LAST_YEAR, "15"),
    ("sales_revenue", "linguaviva", RuleScope.SUBTREE, RuleKind.OFF_TRACK, RuleComparison.PREVIOUS, None),
    ("new_customers", "linguaviva", RuleScope.SUBTREE, RuleKind.OFF_TRACK, RuleComparison.PREVIOUS, None),
    ("sales_revenue", "linguaviva", RuleScope.SUBTREE, RuleKind.DROP, RuleComparison.LAST_YEAR, "25"),
]


def demo_questions(*, nodes, today, domain):
    """Set the demo's KPI owners and rules (by their natural keys, so a rebuild keeps them and the questions they
    already opened), then run the rules as a nightly sync would. Returns the questions opened now."""
    for local, slug, keys in DEMO_KPI_OWNERS:
        user = User.objects.get(email=f"{local}@{domain}")
        for key in keys:
            kpi_owner_set(kpi=key, node=nodes[slug], user=user)
    for kpi, slug, scope, kind, comparison, threshold in DEMO_RULES:
        QuestionRule.objects.update_or_create(
            kpi=kpi, node=nodes[slug], kind=kind, comparison=comparison,
            defaults={"scope": scope, "threshold": Decimal(threshold) if threshold else None, "enabled": True},
        )  # fmt: skip
    return automatic_questions_run(network=nodes["linguaviva"], today=today)


# (name, node, cadence, recipients). The network's executive gets the monthly report of the network; Marseille's
# franchisee the "new project" report of their local campaign, started NEW_PROJECT_DAYS_AGO days before the demo's
# day, so that the demo is always in its weekly first month.
DEMO_REPORTS = [
    ("Rapport mensuel du réseau", "linguaviva", ReportCadence.MONTHLY, ["direction"]),
    ("Lancement de la campagne locale", "marseille", ReportCadence.NEW_PROJECT, ["marseille"]),
]
NEW_PROJECT_DAYS_AGO = 10


def demo_reports(*, nodes, today, domain):
    """(Re)create the demo's scheduled reports, each anchored on the demo's day (a rebuild moves them with it).
    Returns them."""
    admin = User.objects.get(email=f"admin@{domain}")
    reports = []
    for name, slug, cadence, people in DEMO_REPORTS:
        Report.objects.filter(node=nodes[slug], name=name).delete()
        start = today - timedelta(days=NEW_PROJECT_DAYS_AGO) if cadence == ReportCadence.NEW_PROJECT else today
        recipients = list(User.objects.filter(email__in=[f"{local}@{domain}" for local in people]))
        reports.append(report_create(name=name, node=nodes[slug], cadence=cadence, start_date=start,
                                     recipients=recipients, acting_user=admin))  # fmt: skip
    return reports


DEMO_SOURCE = "linguaviva-demo"


class DemoSyncFailed(Exception):
    pass


@transaction.atomic
def demo_build(*, seed=42, now=None, today=None, months=18):
    """(Re)build the demo network: tree, people, facts and objectives, then its questions and reports, and last its
    conversion lag. Idempotent for a given seed and moment. Returns (logins, counts, run).

    `now` (aware) is the moment of the build: its history ends then, nothing is dated after it, and its day (in the
    network's time zone) is the demo's today. Or `today` alone: the whole of that day, as if built at its last
    instant (tests of a given day)."""
    if (now is None) == (today is None):
        raise TypeError("demo_build needs now or today, and only one of them")
    nodes = demo_nodes()
    logins = demo_users()
    source, _ = source_register(slug=DEMO_SOURCE, kind=SourceKind.DEMO, node=nodes[NETWORK["slug"]],
                                config={"seed": seed, "months": months}, name="Linguaviva (demo)")  # fmt: skip
    run = sync_now(source=source, today=today, now=now)[0]
    if run.status != SyncStatus.SUCCEEDED:
        raise DemoSyncFailed(f"the demo sync failed: {run.error}\n{run.rejected_reasons}")
    today = today or timezone.localdate(now, timezone=nodes[NETWORK["slug"]].zone)
    objectives = demo_objectives(nodes=nodes, today=today)
    questions = demo_questions(nodes=nodes, today=today, domain=DEMO_DOMAIN)
    reports = demo_reports(nodes=nodes, today=today, domain=DEMO_DOMAIN)
    # As the nightly measure would: a fresh demo knows how long its leads take to convert.
    conversion_lag_measure(network=nodes[NETWORK["slug"]], today=today)
    return logins, {"facts": run.created, "objectives": objectives, "automatic questions": len(questions),
                    "reports": len(reports)}, run  # fmt: skip
