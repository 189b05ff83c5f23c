"""factory_boy factories for people, the franchise tree and its facts.

Rows are made the way the application makes them, so that a test never starts from a state the code cannot reach:
nodes through accounts.services.node_upsert (which computes `path` and `depth`), role assignments through
accounts.services.user_grant, and leads and conversations with their `day` cut in their network's time zone, as an
import or a webhook would.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.constants import NodeKind, Role
from accounts.models import Node, RoleAssignment, User
from accounts.selectors import network_zone
from accounts.services import node_upsert, user_grant
from kpis.constants import Channel
from kpis.models import Campaign, Conversation, DailyMetric, Lead, Sale
from kpis.rollups import rollups_refresh
from kpis.services import local_day

from .helpers import PASSWORD

FIRST_DAY = date(2026, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    """A person with no role: they log in with `email` and PASSWORD and see nothing until granted a role."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.django.Password(PASSWORD)


class NodeFactory(factory.Factory):
    """A node created or updated by node_upsert, never by a bare save(): the service computes path and depth."""

    class Meta:
        model = Node

    slug = factory.Sequence(lambda n: f"node-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())

    @classmethod
    def _create(cls, model_class, **kwargs):
        return node_upsert(**kwargs)


class NetworkFactory(NodeFactory):
    slug = factory.Sequence(lambda n: f"network-{n}")
    kind = NodeKind.NETWORK
    parent = None
    timezone = "Europe/Paris"
    currency = "EUR"


class RegionFactory(NodeFactory):
    slug = factory.Sequence(lambda n: f"region-{n}")
    kind = NodeKind.REGION
    parent = factory.SubFactory(NetworkFactory)


class FranchiseeFactory(NodeFactory):
    slug = factory.Sequence(lambda n: f"franchisee-{n}")
    kind = NodeKind.FRANCHISEE
    parent = factory.SubFactory(RegionFactory)


class RoleAssignmentFactory(factory.Factory):
    """A role granted through user_grant (which also writes the audit log), returned as its RoleAssignment row."""

    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    node = factory.SubFactory(FranchiseeFactory)
    role = Role.FRANCHISEE

    @classmethod
    def _create(cls, model_class, *, user, node, role):
        user_grant(email=user.email, role=role, node=node)
        return RoleAssignment.objects.get(user=user, node=node, role=role)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    external_id = factory.Sequence(lambda n: f"campaign-{n}")
    name = factory.Sequence(lambda n: f"Campaign {n}")
    channel = Channel.GOOGLE_ADS
    node = factory.SubFactory(FranchiseeFactory)


class DailyMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyMetric

    campaign = factory.SubFactory(CampaignFactory)
    date = factory.Sequence(lambda n: FIRST_DAY + timedelta(days=n))
    spend = Decimal("25.00")
    impressions = 1000
    clicks = 40


def _local_day_of(moment_field):
    """The local day of the row's time stamp in its network's time zone, as imports compute it."""
    return factory.LazyAttribute(lambda o: local_day(moment=getattr(o, moment_field), zone=network_zone(node=o.node)))


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    external_id = factory.Sequence(lambda n: f"lead-{n}")
    created_at = factory.LazyFunction(timezone.now)
    node = factory.SubFactory(FranchiseeFactory)
    day = _local_day_of("created_at")


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    external_id = factory.Sequence(lambda n: f"conversation-{n}")
    started_at = factory.LazyFunction(timezone.now)
    node = factory.SubFactory(FranchiseeFactory)
    day = _local_day_of("started_at")
    channel = Channel.CHATBOT


class SaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sale

    node = factory.SubFactory(FranchiseeFactory)
    date = factory.Sequence(lambda n: FIRST_DAY + timedelta(days=n))
    orders = 1
    units = 1
    revenue = Decimal("100.00")


def campaigns_with_leads(*, network, node, names, month_start=date(2026, 3, 1)):
    """One campaign per name on `node`, the n-th with 100 of spend and n leads on day n of the month, rolled up: the
    campaign breakdowns of a KPI page then list every name."""
    for n, name in enumerate(names, start=1):
        campaign = CampaignFactory(node=node, name=name)
        day = month_start.replace(day=n)
        DailyMetricFactory(campaign=campaign, date=day, spend=Decimal("100"))
        LeadFactory.create_batch(n, node=node, campaign=campaign,
                                 created_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC))  # fmt: skip
    rollups_refresh(network=network)
