"""Reads for a person. Every read starts from accounts.scoping.restrict, the one door."""

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import in_subtree
from accounts.scoping import restrict, restrict_with_shared

from .catalog import CATALOG
from .models import BoardLayout, Campaign, Conversation, DailyRollup, Lead, SliceRollup, SubtreeRollup

# What a network's boards show until its administrators choose: the first screen stays short, business objectives
# first, then the operational KPIs next to the outcomes they drive (about twelve tiles, per the product).
DEFAULT_HOME_KPIS = ["sales_revenue", "new_customers", "roi", "customer_growth", "leads", "qualified_lead_rate",
                     "form_fill_rate", "customer_conversion_rate", "capture_rate", "goal_completion_rate", "cpl",
                     "budget_used"]  # fmt: skip
DEFAULT_WALL_KPIS = ["sales_revenue", "new_customers", "roi", "customer_growth", "leads", "qualified_lead_rate",
                     "customer_conversion_rate", "cpl", "capture_rate", "budget_used"]  # fmt: skip


def rollup_rows(*, user):
    """The rollup rows `user` may read: the input of every KPI value shown to a person."""
    return restrict(DailyRollup.objects.all(), user, via="node_path")


def slice_rows(*, user):
    """The drill-dimension rollups `user` may read (source / medium, segment, score band, hour)."""
    return restrict(SliceRollup.objects.all(), user, via="node_path")


def subtree_rows(*, user):
    """The subtree totals `user` may read: a node's row when the node is visible to them (see SubtreeRollup)."""
    return restrict(SubtreeRollup.objects.all(), user, via="node_path")


def _yes_no(value):
    """A list filter's "yes" / "no" / "unknown" into a lookup value; anything else means no filter."""
    return {"yes": True, "no": False, "unknown": None}.get(value, ...)


def leads_visible(*, user, node, start, end, campaign_id=None, search="", source="", medium="", segment="",
                  qualified="", customer="", min_score=None):  # fmt: skip
    """The leads of `node`'s subtree that `user` may see and that came in between `start` and `end`, newest first,
    narrowed by the list's filters (qualified / customer: "yes", "no" or "unknown")."""
    leads = restrict(Lead.objects.filter(in_subtree(node), day__range=(start, end)), user)
    if campaign_id:
        leads = leads.filter(campaign_id=campaign_id)
    exact = {"source": source, "medium": medium, "segment": segment}
    leads = leads.filter(**{field: value for field, value in exact.items() if value})
    for field, wanted in (("qualified", _yes_no(qualified)), ("customer", _yes_no(customer))):
        if wanted is not ...:
            leads = leads.filter(**({f"{field}__isnull": True} if wanted is None else {field: wanted}))
    if min_score is not None:
        leads = leads.filter(score__gte=min_score)
    search = search.strip()
    if search:
        leads = leads.filter(
            Q(external_id__icontains=search) | Q(source__icontains=search) | Q(medium__icontains=search)
            | Q(segment__icontains=search)
        )  # fmt: skip
    return leads.select_related("node", "campaign").order_by("-created_at", "-id")


def lead_visible(*, user, pk):
    """The lead `pk` if `user` may see it, else None."""
    return restrict(Lead.objects.select_related("node", "campaign"), user).filter(pk=pk).first()


CONVERSATION_FLAGS = ("captured_contact", "goal_completed", "self_served", "escalated")


def conversations_visible(*, user, node, start, end, channel="", segment="", search="", **flags):
    """The conversations of `node`'s subtree that `user` may see, started between `start` and `end`, newest first;
    `flags` are CONVERSATION_FLAGS set to "yes" or "no"."""
    conversations = restrict(Conversation.objects.filter(
                                                         in_subtree(node), day__range=(start, end)), user)  # fmt: skip
    if channel:
        conversations = conversations.filter(channel=channel)
    if segment:
        conversations = conversations.filter(segment=segment)
    for field in CONVERSATION_FLAGS:
        wanted = _yes_no(flags.get(field, ""))
        if wanted in (True, False):
            conversations = conversations.filter(**{field: wanted})
    search = search.strip()
    if search:
        conversations = conversations.filter(Q(external_id__icontains=search)
                                             | Q(lead__external_id__icontains=search))  # fmt: skip
    return conversations.select_related("node", "lead").order_by("-started_at", "-id")


def lead_conversations(*, user, lead):
    """The conversations that led to `lead` (a lead already seen through the door), oldest first: only those
    `user` may see."""
    return restrict(lead.conversations.all(), user).order_by("started_at")


def lead_filter_choices(*, user, node, start, end):
    """The sources, media and segments met among the leads of the period that `user` may see, for the list's
    filter menus."""
    leads = restrict(Lead.objects.filter(in_subtree(node), day__range=(start, end)), user).order_by()
    return {field: sorted(v for v in leads.values_list(field, flat=True).distinct() if v)
            for field in ("source", "medium", "segment")}  # fmt: skip


def campaigns_visible(*, user):
    """Campaigns `user` may open: those of their nodes, and those shared from above (a region's or the network's
    campaign that also runs on their nodes). Figures of a shared campaign are still read through rollup_rows, so a
    franchisee sees what it did on their own node only."""
    return restrict_with_shared(Campaign.objects.select_related("node"), user)


def campaign_names(*, user, ids):
    """{campaign id: campaign} for the visible ones among `ids`."""
    return {c.pk: c for c in campaigns_visible(user=user).filter(pk__in=ids)}


@dataclass(frozen=True)
class Layout:
    home_kpis: list
    wall_kpis: list


def board_layout(*, network):
    """The KPIs of `network`'s home board and wall screens: its own choice, or the defaults."""
    chosen = BoardLayout.objects.filter(network=network).values("home_kpis", "wall_kpis").first() or {}
    return Layout(home_kpis=[k for k in chosen.get("home_kpis") or DEFAULT_HOME_KPIS if k in CATALOG],
                  wall_kpis=[k for k in chosen.get("wall_kpis") or DEFAULT_WALL_KPIS if k in CATALOG])  # fmt: skip
