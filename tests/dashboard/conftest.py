"""Today's facts on the board and the wall; the world the exports, the API and the reports report on."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboard.models import Message
from dashboard.questions.services import thread_answer, thread_open
from kpis.periods import PeriodKind, period_containing
from kpis.rollups import rollups_refresh
from kpis.services import objective_set
from tests.factories import CampaignFactory, DailyMetricFactory, LeadFactory, SaleFactory


# Today's facts ---------------------------------------------------------------------------------------------------
def this_months_facts(network, facts):
    """`facts` is {node: (number of leads, sales revenue)}, all today (local), then the rollups are refreshed."""
    today = timezone.localdate(timezone=network.zone)
    morning = datetime.combine(today, datetime.min.time(), tzinfo=network.zone).replace(hour=9)
    for node, (leads, revenue) in facts.items():
        LeadFactory.create_batch(leads, node=node, created_at=morning)
        SaleFactory(node=node, date=today, orders=1, revenue=Decimal(revenue))
    rollups_refresh(network=network)


@pytest.fixture
def facts(network, franchisee_lille, franchisee_roubaix, franchisee_nice):
    """Today in Acme: Lille 3 leads and 850 € of sales, Roubaix 2 leads and 150 €, Nice 7 leads and 9,000 €."""
    this_months_facts(network, {franchisee_lille: (3, "850"), franchisee_roubaix: (2, "150"),
                                franchisee_nice: (7, "9000")})  # fmt: skip


# Reports ---------------------------------------------------------------------------------------------------------
REPORT_MONTH = period_containing(PeriodKind.MONTH, date(2026, 3, 10))  # reported on 1 April 2026
# Markers of each franchisee's March figures: a report that holds one holds that franchisee's numbers.
LILLE_REVENUE, ROUBAIX_REVENUE, NICE_REVENUE = Decimal("4321.00"), Decimal("1234.00"), Decimal("98765.00")


@pytest.fixture
def report_world(network, tree, franchisee_lille, franchisee_roubaix, franchisee_nice, executive):
    """March and February 2026 in Acme: revenue, leads and spend on each franchisee, an objective on Lille and one
    on Nice, an open question on Nice and a question on Lille answered in March."""
    march, february = date(2026, 3, 10), date(2026, 2, 10)
    for node, revenue, leads in ((franchisee_lille, LILLE_REVENUE, 12), (franchisee_roubaix, ROUBAIX_REVENUE, 3),
                                 (franchisee_nice, NICE_REVENUE, 7)):  # fmt: skip
        SaleFactory(node=node, date=march, revenue=revenue, new_customers=5)
        SaleFactory(node=node, date=february, revenue=revenue / 2, new_customers=4)
        campaign = CampaignFactory(node=node, name=f"Google {node.name}")
        DailyMetricFactory(campaign=campaign, date=march, spend=Decimal("300.00"), impressions=9000, clicks=300)
        DailyMetricFactory(campaign=campaign, date=february, spend=Decimal("100.00"), impressions=4000, clicks=80)
        for n in range(leads):
            LeadFactory(node=node, campaign=campaign, created_at=datetime(2026, 3, 3 + n, 10, tzinfo=UTC),
                        qualified=n % 2 == 0)  # fmt: skip
        LeadFactory(node=node, campaign=campaign, created_at=datetime(2026, 2, 3, 10, tzinfo=UTC), qualified=True)
    rollups_refresh(network=network)
    objective_set(kpi="sales_revenue", node=franchisee_lille, period=REPORT_MONTH, target=Decimal("5000"))
    objective_set(kpi="sales_revenue", node=franchisee_nice, period=REPORT_MONTH, target=Decimal("77777"))
    thread_open(kpi="leads", node=franchisee_nice, period=REPORT_MONTH, body="NICE-QUESTION: why so many?",
                author=executive)  # fmt: skip
    lille = thread_open(kpi="sales_revenue", node=franchisee_lille, period=REPORT_MONTH,
                        body="LILLE-QUESTION: and revenue?", author=executive)  # fmt: skip
    thread_answer(thread=lille, author=executive, observation="LILLE-OBSERVATION", analysis="LILLE-ANALYSIS",
                  recommendation="LILLE-RECOMMENDATION")  # fmt: skip
    Message.objects.filter(thread=lille).update(created_at=datetime(2026, 3, 20, 9, tzinfo=UTC))
