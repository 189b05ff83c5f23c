from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Q, Sum

from accounts.constants import NodeKind, Role
from accounts.models import Node, RoleAssignment, User
from accounts.scoping import visible_nodes
from dashboard.demo import demo_build
from ingestion.demo_data import DEMO_PASSWORD, STORY_MONTHS
from kpis.models import Campaign, Conversation, DailyMetric, Lead, Sale

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)


def fingerprint():
    """Everything the demo writes, by natural key, so that two runs can be compared row by row."""
    return {
        "nodes": sorted(Node.objects.values_list("pk", "slug", "path", "kind")),
        "users": sorted(User.objects.values_list("pk", "email")),
        "roles": sorted(RoleAssignment.objects.values_list("user__email", "role", "node__slug")),
        "campaigns": sorted(Campaign.objects.values_list("external_id", "channel", "node__slug", "budget")),
        "metrics": sorted(DailyMetric.objects.values_list("campaign__external_id", "date", "spend", "clicks")),
        "leads": sorted(
            Lead.objects.values_list(
                "external_id",
                "created_at",
                "day",
                "node__slug",
                "campaign__external_id",
                "score",
                "qualified",
                "customer",
                "revenue",
            )
        ),
        "conversations": sorted(
            Conversation.objects.values_list(
                "external_id", "started_at", "captured_contact", "rating", "rating_scale", "lead__external_id"
            )
        ),
        "sales": sorted(Sale.objects.values_list("node__slug", "date", "orders", "revenue")),
    }


def test_running_the_demo_twice_leaves_the_same_data():
    demo_build(seed=3, today=TODAY, months=2)
    first = fingerprint()
    demo_build(seed=3, today=TODAY, months=2)

    assert fingerprint() == first
    assert len(first["leads"]) > 1000


def test_another_seed_gives_other_facts_on_the_same_tree():
    demo_build(seed=3, today=TODAY, months=2)
    first = fingerprint()
    demo_build(seed=4, today=TODAY, months=2)
    second = fingerprint()

    assert second["nodes"] == first["nodes"]
    assert second["leads"] != first["leads"]


def test_demo_builds_the_tree_and_history_up_to_today():
    demo_build(seed=1, today=TODAY, months=3)

    kinds = dict(Node.objects.values_list("kind").annotate(n=Count("id")))
    assert kinds == {NodeKind.NETWORK: 1, NodeKind.REGION: 3, NodeKind.FRANCHISEE: 24}
    assert Lead.objects.latest("day").day == TODAY
    assert Lead.objects.earliest("day").day == date(2026, 9, 1)
    assert set(Campaign.objects.values_list("channel", flat=True)) >= {
        "google_ads",
        "meta",
        "linkedin",
        "tiktok",
        "chatbot",
        "email",
    }
    assert set(Conversation.objects.exclude(rating_scale=None).values_list("rating_scale", flat=True)) == {10, 20}
    # Chatbot leads are linked to the conversation that captured them.
    assert Conversation.objects.filter(captured_contact=True, lead__isnull=True).count() == 0
    assert Lead.objects.exclude(segment="").values("segment").distinct().count() >= 4
    # Form submissions of a campaign's day equal the leads it brought in that day.
    metric = DailyMetric.objects.filter(form_submits__gt=0).first()
    assert (
        metric.form_submits
        == Lead.objects.filter(campaign=metric.campaign, day=metric.date).exclude(source="chatbot").count()
    )


def test_demo_users_cover_every_role_with_their_scope():
    demo_build(seed=1, today=TODAY, months=1)

    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    franchisee = User.objects.get(email="nice-toulon@linguaviva.example")
    assert franchisee.check_password(DEMO_PASSWORD)
    assert set(visible_nodes(franchisee).values_list("slug", flat=True)) == {"nice", "toulon"}
    region_manager = User.objects.get(email="region.sud@linguaviva.example")
    assert "lille" not in set(visible_nodes(region_manager).values_list("slug", flat=True))


def test_demo_stories_are_in_the_data():
    demo_build(seed=42, today=TODAY, months=9)
    story_start = TODAY - timedelta(days=STORY_MONTHS * 30)
    before = (story_start - timedelta(days=120), story_start - timedelta(days=1))
    during = (story_start, TODAY - timedelta(days=1))

    def region_share(model, day_field, aggregate, window):
        in_window = Q(**{f"{day_field}__range": window})
        total = model.objects.filter(in_window).aggregate(v=aggregate)["v"]
        sud = model.objects.filter(in_window, node__path__startswith="/linguaviva/sud/").aggregate(v=aggregate)["v"]
        return sud / total

    # Sud's share of the network's leads rises while its share of sales revenue falls.
    assert region_share(Lead, "day", Count("id"), during) > region_share(Lead, "day", Count("id"), before) * 1.1
    assert region_share(Sale, "date", Sum("revenue"), during) < region_share(
        Sale, "date", Sum("revenue"), before
    ) * Decimal("0.95")

    def cost_per_lead(slug):
        spend = DailyMetric.objects.filter(campaign__node__slug=slug).aggregate(v=Sum("spend"))["v"]
        return spend / Lead.objects.filter(node__slug=slug, campaign__node__slug=slug).count()

    peers = [cost_per_lead(slug) for slug in ("lille", "toulouse", "nice", "strasbourg")]
    assert cost_per_lead("marseille") > 2 * max(peers)

    def capture_rate(window):
        rows = Conversation.objects.filter(day__range=window)
        return rows.filter(captured_contact=True).count() / rows.count()

    assert (
        capture_rate((TODAY - timedelta(days=60), TODAY))
        > capture_rate((TODAY - timedelta(days=270), TODAY - timedelta(days=220))) + 0.15
    )


def test_demo_command_prints_the_logins(capsys):
    call_command("demo", "--seed", "2", "--months", "1")

    out = capsys.readouterr().out
    assert "admin@linguaviva.example" in out
    assert "marseille@linguaviva.example" in out
    assert DEMO_PASSWORD in out
