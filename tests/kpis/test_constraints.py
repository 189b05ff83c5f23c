from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from kpis.models import Campaign, Conversation, DailyMetric, Lead, Objective, Sale

pytestmark = pytest.mark.django_db
MOMENT = datetime(2026, 3, 1, 10, tzinfo=UTC)


@pytest.fixture
def campaign(franchisee_lille):
    return Campaign.objects.create(external_id="c1", name="C1", channel="google_ads", node=franchisee_lille)


def rejected(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_natural_keys_reject_duplicates(campaign, franchisee_lille, franchisee_nice):
    DailyMetric.objects.create(campaign=campaign, date=date(2026, 3, 1))
    Lead.objects.create(external_id="l1", created_at=MOMENT, day=MOMENT.date(), node=franchisee_lille)
    Conversation.objects.create(external_id="v1", started_at=MOMENT, day=MOMENT.date(), node=franchisee_lille)
    Sale.objects.create(node=franchisee_lille, date=date(2026, 3, 1))

    rejected(lambda: Campaign.objects.create(external_id="c1", name="Again", channel="meta", node=franchisee_nice))
    rejected(lambda: DailyMetric.objects.create(campaign=campaign, date=date(2026, 3, 1)))
    rejected(lambda: Lead.objects.create(external_id="l1", created_at=MOMENT, day=MOMENT.date(), node=franchisee_nice))
    rejected(lambda: Conversation.objects.create(external_id="v1", started_at=MOMENT, day=MOMENT.date(),
                                                 node=franchisee_nice))  # fmt: skip
    rejected(lambda: Sale.objects.create(node=franchisee_lille, date=date(2026, 3, 1)))
    rejected(lambda: Objective.objects.bulk_create([
        Objective(kpi="leads", node=franchisee_lille, period_kind="month", start=date(2026, 3, 1),
                  end=date(2026, 3, 31), target=10) for _ in range(2)]))  # fmt: skip
    assert (Campaign.objects.count(), Lead.objects.count(), Sale.objects.count()) == (1, 1, 1)


def test_a_different_day_or_node_is_another_fact(campaign, franchisee_lille, franchisee_nice):
    DailyMetric.objects.create(campaign=campaign, date=date(2026, 3, 1))
    DailyMetric.objects.create(campaign=campaign, date=date(2026, 3, 2))
    Sale.objects.create(node=franchisee_lille, date=date(2026, 3, 1))
    Sale.objects.create(node=franchisee_nice, date=date(2026, 3, 1))

    assert (DailyMetric.objects.count(), Sale.objects.count()) == (2, 2)


@pytest.mark.parametrize(
    "bad",
    [
        lambda c, n: DailyMetric.objects.create(campaign=c, date=date(2026, 3, 1), spend=Decimal("-1")),
        lambda c, n: Campaign.objects.create(external_id="b", name="B", channel="meta", node=n, budget=-5),
        lambda c, n: Campaign.objects.create(external_id="d", name="D", channel="meta", node=n,
                                             start_date=date(2026, 3, 2), end_date=date(2026, 3, 1)),
        lambda c, n: Lead.objects.create(external_id="s", created_at=MOMENT, day=MOMENT.date(), node=n, score=101),
        lambda c, n: Lead.objects.create(external_id="r", created_at=MOMENT, day=MOMENT.date(), node=n, revenue=-1),
        lambda c, n: Conversation.objects.create(external_id="x", started_at=MOMENT, day=MOMENT.date(), node=n,
                                                 rating=11, rating_scale=10),
        lambda c, n: Conversation.objects.create(external_id="y", started_at=MOMENT, day=MOMENT.date(), node=n,
                                                 rating=5, rating_scale=15),
        lambda c, n: Conversation.objects.create(external_id="z", started_at=MOMENT, day=MOMENT.date(), node=n,
                                                 rating=0, rating_scale=10),
        lambda c, n: Sale.objects.create(node=n, date=date(2026, 3, 1), revenue=Decimal("-0.01")),
    ],
    ids=["negative spend", "negative budget", "end before start", "score 101", "negative lead revenue",
         "rating above its scale", "unknown scale", "rating 0", "negative sales revenue"],
)  # fmt: skip
def test_check_constraints_reject_impossible_facts(campaign, franchisee_lille, bad):
    rejected(lambda: bad(campaign, franchisee_lille))


def test_a_rating_at_the_top_of_either_scale_is_accepted(franchisee_lille):
    for scale in (10, 20):
        Conversation.objects.create(external_id=f"ok{scale}", started_at=MOMENT, day=MOMENT.date(),
                                    node=franchisee_lille, rating=scale, rating_scale=scale)  # fmt: skip

    assert Conversation.objects.count() == 2
