"""The demo's questions: who answers for which KPI, and the rules that open, after each nightly sync, the questions
the demo's stories call for (kpis.demo plants them):

- the Sud region's leads rise while its new customers fall: an outcome against its driver, against last year
  (the school year makes month-on-month changes seasonal);
- objectives of revenue and new customers off track (the network's and the regions' objectives of the month);
- a sharp fall of revenue against last year on any node (Sud's franchisees, whose sales fall).
"""

from decimal import Decimal

from accounts.models import User

from .models import QuestionRule, RuleComparison, RuleKind, RuleScope
from .services import automatic_questions_run, kpi_owner_set

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
