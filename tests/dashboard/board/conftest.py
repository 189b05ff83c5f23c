"""The world of the board's surfaces: three franchisees with a year of facts, objectives, and one today."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from kpis.periods import PeriodKind, period_containing
from kpis.rollups import rollups_refresh
from kpis.services import objective_set
from tests.factories import CampaignFactory, ConversationFactory, DailyMetricFactory, LeadFactory, SaleFactory

TODAY = date(2026, 3, 12)  # March is under way; February is a whole month
PARIS = ZoneInfo("Europe/Paris")
MARCH_TO_DATE = {"period": "month"}
FEBRUARY = {"period": "custom", "start": "2026-02-01", "end": "2026-02-28"}
RANGES = {"march": (MARCH_TO_DATE, ("2026-03-01", "2026-03-31")), "february": (FEBRUARY, ("2026-02-01", "2026-02-28"))}
# Days with facts: last year, January, February (early and late), March before and after the 12th (none after
# today exist in real life; the 20th is there to prove that no surface counts past today).
DAYS = [date(2025, 2, 4), date(2025, 3, 6), date(2026, 1, 14), date(2026, 2, 5), date(2026, 2, 24), date(2026, 3, 3),
        date(2026, 3, 10), date(2026, 3, 20)]  # fmt: skip


@pytest.fixture
def today(monkeypatch):
    """The one today of these tests, as every page and API call reads it (the network's local day)."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def world(network, region_nord, region_sud, franchisee_lille, franchisee_roubaix, franchisee_nice, executive):
    """Each franchisee's own campaign (with a budget over two years), a network-wide one, and on every day of DAYS
    sales, spend and media, leads (some qualified, some won), chatbot conversations; different amounts per node and
    day, so that every ratio differs from node to node. Objectives on the network, a region and a franchisee."""
    shared = CampaignFactory(node=network, name="Network brand", start_date=date(2025, 1, 1),
                             end_date=date(2026, 12, 31), budget=Decimal("14600.00"))  # fmt: skip
    for n, node in enumerate([franchisee_lille, franchisee_roubaix, franchisee_nice], start=1):
        own = CampaignFactory(node=node, name=f"Search {node.name}", start_date=date(2025, 1, 1),
                              end_date=date(2026, 12, 31), budget=Decimal(2920 * n))  # fmt: skip
        for d, day in enumerate(DAYS, start=1):
            k = n * 3 + d
            SaleFactory(node=node, date=day, revenue=Decimal(150 * k + 7 * d), new_customers=k % 5 + n, units=k,
                        orders=k)  # fmt: skip
            DailyMetricFactory(campaign=own, date=day, spend=Decimal(f"{20 * n + 3 * d}.35"), impressions=900 * k,
                               clicks=11 * k, visitors=40 * k + d, lp_views=30 * k, form_submits=2 * k + n)  # fmt: skip
            if n == 1:  # the network's campaign has one row a day
                DailyMetricFactory(campaign=shared, date=day, spend=Decimal(f"{5 + d}.10"), impressions=300 * k,
                                   clicks=3 * k, visitors=9 * k, lp_views=7 * k, form_submits=k % 3)  # fmt: skip
            for i in range(k % 4 + n):
                moment = datetime(day.year, day.month, day.day, 9 + i, tzinfo=PARIS)
                lead = LeadFactory(node=node, created_at=moment, campaign=own if i % 2 else shared,
                                   qualified=(i + d) % 3 != 0, customer=(i + n) % 3 == 0,
                                   revenue=Decimal(90 * (i + n + d)) if (i + n) % 3 == 0 else None,
                                   score=(17 * k + 11 * i) % 101)  # fmt: skip
                ConversationFactory(node=node, started_at=moment, captured_contact=(i + d) % 2 == 0,
                                    goal_completed=(i * n + d) % 3 == 0, lead=lead if i % 3 == 0 else None)  # fmt: skip
    rollups_refresh(network=network)
    march = period_containing(PeriodKind.MONTH, TODAY)
    february = march.previous()
    objective_set(kpi="sales_revenue", node=network, period=march, target=Decimal("9000"))
    objective_set(kpi="leads", node=region_nord, period=march, target=Decimal("40"))
    objective_set(kpi="cpl", node=franchisee_lille, period=march, target=Decimal("12.50"))
    objective_set(kpi="sales_revenue", node=franchisee_lille, period=february, target=Decimal("2500"))
    objective_set(kpi="leads", node=region_nord, period=february, target=Decimal("30"))
