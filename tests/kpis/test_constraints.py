"""What the database refuses on its own, whatever path a row takes (import, webhook, admin, shell): duplicate
natural keys and impossible values. And the local day a lead or conversation counts on."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from kpis.models import Campaign, Conversation, DailyMetric, Lead, Objective, Sale
from kpis.services import local_day
from tests.factories import (
    CampaignFactory,
    ConversationFactory,
    DailyMetricFactory,
    FranchiseeFactory,
    LeadFactory,
    NetworkFactory,
    RegionFactory,
    SaleFactory,
)

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 3, 1)
END = date(2026, 3, 31)


def refused(create):
    """`create` raises IntegrityError; the failed statement is rolled back alone and the test goes on."""
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.fixture
def campaign(franchisee_lille):
    return CampaignFactory(external_id="c1", node=franchisee_lille)


# model: (first row, the same natural key again, another key), each made from (lille, nice, campaign c1).
NATURAL_KEYS = {
    "campaign external_id": (
        Campaign,
        lambda lille, nice, c: c,
        lambda lille, nice, c: CampaignFactory(external_id="c1", node=nice),
        lambda lille, nice, c: CampaignFactory(external_id="c2", node=nice),
    ),
    "daily metric campaign+date": (
        DailyMetric,
        lambda lille, nice, c: DailyMetricFactory(campaign=c, date=DAY),
        lambda lille, nice, c: DailyMetricFactory(campaign=c, date=DAY, spend=1),
        lambda lille, nice, c: DailyMetricFactory(campaign=c, date=DAY + timedelta(days=1)),
    ),
    "lead external_id": (
        Lead,
        lambda lille, nice, c: LeadFactory(external_id="l1", node=lille),
        lambda lille, nice, c: LeadFactory(external_id="l1", node=nice),
        lambda lille, nice, c: LeadFactory(external_id="l2", node=lille),
    ),
    "conversation external_id": (
        Conversation,
        lambda lille, nice, c: ConversationFactory(external_id="v1", node=lille),
        lambda lille, nice, c: ConversationFactory(external_id="v1", node=nice),
        lambda lille, nice, c: ConversationFactory(external_id="v2", node=lille),
    ),
    "sale node+date": (
        Sale,
        lambda lille, nice, c: SaleFactory(node=lille, date=DAY),
        lambda lille, nice, c: SaleFactory(node=lille, date=DAY, revenue=5),
        lambda lille, nice, c: SaleFactory(node=nice, date=DAY),
    ),
    "objective kpi+node+period": (
        Objective,
        lambda lille, nice, c: Objective.objects.create(kpi="leads", node=lille, period_kind="month", start=DAY,
                                                        end=END, target=10),
        lambda lille, nice, c: Objective.objects.create(kpi="leads", node=lille, period_kind="month", start=DAY,
                                                        end=END, target=20),
        lambda lille, nice, c: Objective.objects.create(kpi="leads", node=nice, period_kind="month", start=DAY,
                                                        end=END, target=10),
    ),
}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("key", NATURAL_KEYS)
def test_a_natural_key_is_stored_once(key, campaign, franchisee_lille, franchisee_nice):
    model, first, duplicate, another = NATURAL_KEYS[key]
    first(franchisee_lille, franchisee_nice, campaign)
    another(franchisee_lille, franchisee_nice, campaign)

    refused(lambda: duplicate(franchisee_lille, franchisee_nice, campaign))

    assert model.objects.count() == 2


def rating(value, scale):
    return {"rating": value, "rating_scale": scale}


# factory: (fields the database refuses, the nearest fields it accepts).
IMPOSSIBLE = {
    "negative spend": (DailyMetricFactory, {"spend": Decimal("-0.01")}, {"spend": Decimal("0")}),
    "negative budget": (CampaignFactory, {"budget": Decimal("-5")}, {"budget": Decimal("0")}),
    "end date before start date": (
        CampaignFactory,
        {"start_date": date(2026, 3, 2), "end_date": date(2026, 3, 1)},
        {"start_date": date(2026, 3, 2), "end_date": date(2026, 3, 2)},
    ),
    "lead score 101": (LeadFactory, {"score": 101}, {"score": 100}),
    "negative lead revenue": (LeadFactory, {"revenue": Decimal("-1")}, {"revenue": Decimal("0")}),
    "rating 11 on scale 10": (ConversationFactory, rating(11, 10), rating(10, 10)),
    "rating 21 on scale 20": (ConversationFactory, rating(21, 20), rating(20, 20)),
    "rating on scale 15": (ConversationFactory, rating(5, 15), rating(5, 20)),
    "rating 0": (ConversationFactory, rating(0, 10), rating(1, 10)),
    "negative sales revenue": (SaleFactory, {"revenue": Decimal("-0.01")}, {"revenue": Decimal("0")}),
    "objective ending before it starts": (
        lambda **f: Objective.objects.create(kpi="leads", node=FranchiseeFactory(), period_kind="custom",
                                             target=1, **f),
        {"start": date(2026, 3, 2), "end": date(2026, 3, 1)},
        {"start": date(2026, 3, 2), "end": date(2026, 3, 2)},
    ),
}  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("case", IMPOSSIBLE)
def test_check_constraints_refuse_impossible_facts(case):
    factory, bad, good = IMPOSSIBLE[case]
    factory(**good)

    refused(lambda: factory(**bad))


@pytest.mark.django_db
def test_a_rating_without_its_scale_is_refused(franchisee_lille):
    ConversationFactory(node=franchisee_lille, rating=None, rating_scale=None)

    refused(lambda: ConversationFactory(node=franchisee_lille, rating=5, rating_scale=None))


# local_day: Paris goes from UTC+1 to UTC+2 at 01:00 UTC on 29 March 2026, and back at 01:00 UTC on 25 October.
@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 3, 28, 22, 59, tzinfo=UTC), date(2026, 3, 28)),  # 23:59 CET
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 29)),  # 00:30 CET, the night of the change
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), date(2026, 3, 29)),  # 01:30 CET
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), date(2026, 3, 29)),  # 03:30 CEST: 02:00-03:00 never happened
        (datetime(2026, 3, 29, 21, 59, tzinfo=UTC), date(2026, 3, 29)),  # 23:59 CEST
        (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), date(2026, 3, 30)),  # midnight CEST: an hour earlier in UTC
        (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), date(2026, 10, 25)),  # midnight CEST
        (datetime(2026, 10, 25, 22, 59, tzinfo=UTC), date(2026, 10, 25)),  # 23:59 CET, back to UTC+1
        (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), date(2026, 10, 26)),  # midnight CET
        (datetime(2026, 3, 29, 0, 30, tzinfo=ZoneInfo("America/New_York")), date(2026, 3, 29)),  # 06:30 CEST
        (datetime(2026, 3, 28, 19, 30, tzinfo=ZoneInfo("America/New_York")), date(2026, 3, 29)),  # 00:30 CET
    ],
)
def test_local_day_is_the_calendar_day_in_paris_across_daylight_saving_changes(moment, day):
    assert local_day(moment=moment, zone=PARIS) == day


def test_local_day_is_cut_in_the_zone_it_is_given():
    moment = datetime(2026, 3, 29, 3, 30, tzinfo=UTC)

    assert local_day(moment=moment, zone=PARIS) == date(2026, 3, 29)
    assert local_day(moment=moment, zone=ZoneInfo("America/Montreal")) == date(2026, 3, 28)  # 23:30 EDT
    assert local_day(moment=moment, zone=ZoneInfo("Pacific/Auckland")) == date(2026, 3, 29)  # 16:30 NZDT


def test_local_day_refuses_a_naive_moment():
    with pytest.raises(ValueError, match="aware"):
        local_day(moment=datetime(2026, 3, 29, 0, 30), zone=PARIS)  # naive on purpose


@pytest.mark.django_db
def test_facts_count_on_the_day_of_their_own_network(franchisee_lille):
    """Leads and conversations are cut in their network's zone, not in settings.TIME_ZONE nor the node's own."""
    montreal = NetworkFactory(slug="mtl", timezone="America/Montreal")
    shop = FranchiseeFactory(slug="mtl-shop", parent=RegionFactory(slug="quebec", parent=montreal))
    late_evening_in_montreal = datetime(2026, 3, 29, 3, 30, tzinfo=UTC)

    assert LeadFactory(node=shop, created_at=late_evening_in_montreal).day == date(2026, 3, 28)
    assert LeadFactory(node=franchisee_lille, created_at=late_evening_in_montreal).day == date(2026, 3, 29)
    assert ConversationFactory(node=shop, started_at=late_evening_in_montreal).day == date(2026, 3, 28)
