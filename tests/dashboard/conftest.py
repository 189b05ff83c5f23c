"""The day and the month the question tests ask about; the world the report tests report on."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kpis.periods import PeriodKind, period_containing

DAY = date(2026, 3, 10)
MARCH = period_containing(PeriodKind.MONTH, DAY)


# Reports ---------------------------------------------------------------------------------------------------------
REPORT_MONTH = period_containing(PeriodKind.MONTH, date(2026, 3, 10))  # reported on 1 April 2026
# Markers of each franchisee's March figures: a report that holds one holds that franchisee's numbers.
LILLE_REVENUE, ROUBAIX_REVENUE, NICE_REVENUE = Decimal("4321.00"), Decimal("1234.00"), Decimal("98765.00")


@pytest.fixture
def report_world(network, tree, franchisee_lille, franchisee_roubaix, franchisee_nice, executive):
    """March and February 2026 in Acme: revenue, leads and spend on each franchisee, an objective on Lille and one
    on Nice, an open question on Nice and a question on Lille answered in March."""
    from kpis.rollups import rollups_refresh
    from kpis.services import objective_set

    from ..factories import CampaignFactory, DailyMetricFactory, LeadFactory, SaleFactory

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

    from dashboard.services import thread_answer, thread_open

    thread_open(kpi="leads", node=franchisee_nice, period=REPORT_MONTH, body="NICE-QUESTION: why so many?",
                author=executive)  # fmt: skip
    lille = thread_open(kpi="sales_revenue", node=franchisee_lille, period=REPORT_MONTH,
                        body="LILLE-QUESTION: and revenue?", author=executive)  # fmt: skip
    thread_answer(thread=lille, author=executive, observation="LILLE-OBSERVATION", analysis="LILLE-ANALYSIS",
                  recommendation="LILLE-RECOMMENDATION")  # fmt: skip
    from dashboard.models import Message

    Message.objects.filter(thread=lille).update(created_at=datetime(2026, 3, 20, 9, tzinfo=UTC))
