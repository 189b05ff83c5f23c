"""The KPI catalog: every KPI of docs/kpi-catalog.md by its key, as a formula over additive base measures.

This is the only place a KPI is defined. The board, the API, the wall screen, alerts and reports all read values
through kpis.engine, which evaluates these formulas on summed base measures (ratio of sums, never a mean of ratios).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    PERCENT = "%", _("percent")
    MONEY = "money", _("money")
    COUNT = "count", _("count")
    RATIO = "ratio", _("ratio")
    SECONDS = "seconds", _("seconds")
    SCORE = "score", _("score")


class Direction(models.TextChoices):
    UP = "up", _("higher is better")
    DOWN = "down", _("lower is better")
    NEUTRAL = "neutral", _("neither")


class Tier(models.TextChoices):
    BUSINESS = "B", _("Business objective")
    OPERATIONAL = "O", _("Operational KPI")


class Group(models.TextChoices):
    """How the board groups operational KPIs."""

    OUTCOME = "outcome", _("Business outcomes")
    ACQUISITION = "acquisition", _("Acquisition")
    CONVERSION = "conversion", _("Conversion")
    CHATBOT = "chatbot", _("Chatbot and messaging")
    COST = "cost", _("Cost")


# Additive base measures, each summed over any set of nodes, campaigns and days before a ratio is taken.
MONEY_MEASURES = ("spend", "budget", "lead_revenue", "sales_revenue")
COUNT_MEASURES = (
    "impressions", "clicks", "visitors", "page_views", "cta_views", "cta_clicks", "lp_views", "form_submits",
    "leads", "qualified_leads", "customers", "promoters", "scored_leads", "lead_score_sum", "hot_leads",
    "chatbot_customers",
    "conversations", "captured", "goal_completions", "self_served", "escalated", "rated", "rating_pct_sum",
    "positive_ratings", "duration_s_sum", "messages",
    "orders", "units", "new_customers",
)  # fmt: skip
BASE_MEASURES = MONEY_MEASURES + COUNT_MEASURES
# The measures kept per drill dimension (source / medium, segment, score band, hour): leads and conversations only,
# since spend and sales have no lead origin.
SLICE_MEASURES = (
    "leads", "qualified_leads", "customers", "promoters", "lead_revenue", "scored_leads", "lead_score_sum",
    "hot_leads", "chatbot_customers",
    "conversations", "captured", "goal_completions", "self_served", "escalated", "rated", "rating_pct_sum",
    "positive_ratings", "duration_s_sum", "messages",
)  # fmt: skip


class Formula(models.TextChoices):
    SUM = "sum"  # numerator alone
    RATIO = "ratio"  # numerator / denominator x factor
    MARGIN = "margin"  # (numerator - denominator) / denominator x factor: ROI
    GROWTH = "growth"  # (numerator this period / numerator same period last year - 1) x 100


@dataclass(frozen=True)
class Kpi:
    key: str
    name: str
    formula: Formula
    numerator: str
    denominator: str | None
    unit: Unit
    good: Direction
    tier: Tier
    group: Group
    factor: Decimal = Decimal(1)
    source_article: str = ""
    # The outcome this operational KPI is supposed to drive, shown beside it on the board.
    drives: str | None = None

    @property
    def measures(self):
        return tuple(m for m in (self.numerator, self.denominator) if m)

    @property
    def is_additive(self):
        """A sum KPI grows with the days of a period; a ratio does not. Pace projects only the former."""
        return self.formula == Formula.SUM


H = Decimal(100)
B, O = Tier.BUSINESS, Tier.OPERATIONAL  # noqa: E741 - the catalog's own tier letters
UP, DOWN, NEUTRAL = Direction.UP, Direction.DOWN, Direction.NEUTRAL
F = Formula
G = Group

CATALOG: dict[str, Kpi] = {
    kpi.key: kpi
    for kpi in [
        Kpi("sales_revenue", _("Revenue"), F.SUM, "sales_revenue", None, Unit.MONEY, UP, B, G.OUTCOME,
            source_article="001, 004"),
        Kpi("new_customers", _("New customers"), F.SUM, "new_customers", None, Unit.COUNT, UP, B, G.OUTCOME,
            source_article="001"),
        Kpi("customer_growth", _("Customer growth"), F.GROWTH, "new_customers", "new_customers", Unit.PERCENT, UP,
            B, G.OUTCOME, H, "001"),
        Kpi("units_sold", _("Units sold"), F.SUM, "units", None, Unit.COUNT, UP, B, G.OUTCOME, source_article="001"),
        Kpi("roi", _("ROI"), F.MARGIN, "lead_revenue", "spend", Unit.PERCENT, UP, B, G.OUTCOME, H, "003"),
        Kpi("roas", _("ROAS"), F.RATIO, "lead_revenue", "spend", Unit.RATIO, UP, B, G.OUTCOME, source_article="001"),
        Kpi("lead_conversion_rate", _("Lead conversion rate"), F.RATIO, "leads", "visitors", Unit.PERCENT, UP, O,
            G.CONVERSION, H, "004", drives="leads"),
        Kpi("qualified_lead_rate", _("Qualified lead rate"), F.RATIO, "qualified_leads", "leads", Unit.PERCENT, UP, O,
            G.CONVERSION, H, "004", drives="qualified_leads"),
        Kpi("customer_conversion_rate", _("Customer conversion rate"), F.RATIO, "customers", "qualified_leads",
            Unit.PERCENT, UP, O, G.CONVERSION, H, "004", drives="new_customers"),
        Kpi("promoter_rate", _("Promoter rate"), F.RATIO, "promoters", "customers", Unit.PERCENT, UP, O,
            G.CONVERSION, H, "004", drives="sales_revenue"),
        Kpi("revenue_per_customer", _("Revenue per customer"), F.RATIO, "lead_revenue", "customers", Unit.MONEY, UP,
            O, G.CONVERSION, source_article="004", drives="sales_revenue"),
        Kpi("revenue_per_lead", _("Revenue per lead"), F.RATIO, "lead_revenue", "leads", Unit.MONEY, UP, O,
            G.CONVERSION, source_article="004", drives="sales_revenue"),
        Kpi("cta_click_rate", _("CTA click rate"), F.RATIO, "cta_clicks", "cta_views", Unit.PERCENT, UP, O,
            G.ACQUISITION, H, "004", drives="leads"),
        Kpi("form_fill_rate", _("Form fill rate"), F.RATIO, "form_submits", "lp_views", Unit.PERCENT, UP, O,
            G.ACQUISITION, H, "004", drives="leads"),
        Kpi("cpm", _("CPM"), F.RATIO, "spend", "impressions", Unit.MONEY, DOWN, O, G.COST, Decimal(1000), "001"),
        Kpi("cpc", _("CPC"), F.RATIO, "spend", "clicks", Unit.MONEY, DOWN, O, G.COST, source_article="001"),
        Kpi("ctr", _("CTR"), F.RATIO, "clicks", "impressions", Unit.PERCENT, UP, O, G.ACQUISITION, H,
            drives="leads"),
        Kpi("cpl", _("Cost per lead"), F.RATIO, "spend", "leads", Unit.MONEY, DOWN, O, G.COST, drives="leads"),
        Kpi("cost_per_qualified_lead", _("Cost per qualified lead"), F.RATIO, "spend", "qualified_leads", Unit.MONEY,
            DOWN, O, G.COST, drives="qualified_leads"),
        Kpi("cac", _("Customer acquisition cost"), F.RATIO, "spend", "customers", Unit.MONEY, DOWN, O, G.COST,
            drives="new_customers"),
        Kpi("budget_used", _("Budget used"), F.RATIO, "spend", "budget", Unit.PERCENT, NEUTRAL, O, G.COST, H, "001"),
        Kpi("leads", _("Leads"), F.SUM, "leads", None, Unit.COUNT, UP, O, G.ACQUISITION, source_article="001",
            drives="new_customers"),
        Kpi("qualified_leads", _("Qualified leads"), F.SUM, "qualified_leads", None, Unit.COUNT, UP, O,
            G.ACQUISITION, source_article="001", drives="new_customers"),
        Kpi("capture_rate", _("Chatbot capture rate"), F.RATIO, "captured", "conversations", Unit.PERCENT, UP, O,
            G.CHATBOT, H, "002", drives="leads"),
        Kpi("goal_completion_rate", _("Bot goal completion rate"), F.RATIO, "goal_completions", "conversations",
            Unit.PERCENT, UP, O, G.CHATBOT, H, "000", drives="leads"),
        Kpi("self_service_rate", _("Self-service rate"), F.RATIO, "self_served", "conversations", Unit.PERCENT, UP,
            O, G.CHATBOT, H, "000"),
        Kpi("escalation_rate", _("Escalation rate"), F.RATIO, "escalated", "conversations", Unit.PERCENT, DOWN, O,
            G.CHATBOT, H, "000"),
        Kpi("evaluation_rate", _("Evaluation rate"), F.RATIO, "rated", "conversations", Unit.PERCENT, UP, O,
            G.CHATBOT, H, "000"),
        Kpi("satisfaction", _("Satisfaction"), F.RATIO, "rating_pct_sum", "rated", Unit.PERCENT, UP, O, G.CHATBOT,
            source_article="000"),
        Kpi("positive_feedback_rate", _("Positive feedback rate"), F.RATIO, "positive_ratings", "rated",
            Unit.PERCENT, UP, O, G.CHATBOT, H, "000"),
        Kpi("avg_conversation_duration", _("Average conversation duration"), F.RATIO, "duration_s_sum",
            "conversations", Unit.SECONDS, NEUTRAL, O, G.CHATBOT, source_article="002"),
        Kpi("messages_per_conversation", _("Messages per conversation"), F.RATIO, "messages", "conversations",
            Unit.RATIO, NEUTRAL, O, G.CHATBOT, source_article="002"),
        Kpi("avg_lead_score", _("Average lead score"), F.RATIO, "lead_score_sum", "scored_leads", Unit.SCORE, UP, O,
            G.CONVERSION, source_article="002", drives="new_customers"),
        Kpi("hot_lead_rate", _("Hot lead rate"), F.RATIO, "hot_leads", "leads", Unit.PERCENT, UP, O, G.CONVERSION, H,
            "002", drives="new_customers"),
        Kpi("chatbot_conversions", _("Chatbot conversions"), F.SUM, "chatbot_customers", None, Unit.COUNT, UP, O,
            G.CHATBOT, source_article="002", drives="new_customers"),
    ]
}  # fmt: skip


def partner_of(kpi):
    """The KPI shown beside `kpi` on charts: the outcome an operational KPI drives, or, for an outcome, the leads
    that feed it (new customers for leads themselves) — so that "leads up, sales down" is seen without an analyst."""
    if kpi.drives:
        return CATALOG[kpi.drives]
    return CATALOG["leads"] if kpi.key != "leads" else CATALOG["new_customers"]


def get_kpi(key):
    """The KPI `key`, or KeyError."""
    return CATALOG[key]
