"""The demo is built as of a moment (`now`, in the network's time zone) and writes nothing after it: today's leads and
conversations are those of the hours gone by, today's sales and media metrics the share of the day gone by, and no
fact is on a day after today. The history before today does not move with the time of day."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Max, Sum

from dashboard.demo import DEMO_SOURCE, demo_build
from ingestion.constants import SyncStatus
from ingestion.models import DataSource
from ingestion.services import sync_now
from kpis.models import Campaign, Conversation, DailyMetric, Lead, Sale

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 24)  # a Tuesday
HALF_PAST_NINE = datetime(2026, 11, 24, 9, 30, tzinfo=PARIS)
FIVE_PAST_MIDNIGHT = datetime(2026, 11, 24, 0, 5, tzinfo=PARIS)
NINE_PM = datetime(2026, 11, 24, 21, 0, tzinfo=PARIS)


def latest_fact_moments():
    """The latest moment and the latest day of every kind of fact the demo writes."""
    return {
        "lead created_at": Lead.objects.aggregate(v=Max("created_at"))["v"],
        "conversation started_at": Conversation.objects.aggregate(v=Max("started_at"))["v"],
        "lead day": Lead.objects.aggregate(v=Max("day"))["v"],
        "conversation day": Conversation.objects.aggregate(v=Max("day"))["v"],
        "sale date": Sale.objects.aggregate(v=Max("date"))["v"],
        "metric date": DailyMetric.objects.aggregate(v=Max("date"))["v"],
        "campaign start_date": Campaign.objects.aggregate(v=Max("start_date"))["v"],
    }


def assert_nothing_after(now):
    latest = latest_fact_moments()
    assert latest["lead created_at"] <= now, latest
    assert latest["conversation started_at"] <= now, latest
    for name in ("lead day", "conversation day", "sale date", "metric date", "campaign start_date"):
        assert latest[name] <= now.date(), (name, latest)
    last = Conversation.objects.filter(started_at__gte=now - timedelta(hours=1))
    assert all(c.started_at + timedelta(seconds=c.duration_seconds) <= now for c in last), "one still going on"


def spend_on(day):
    return DailyMetric.objects.filter(date=day).aggregate(v=Sum("spend"))["v"] or Decimal(0)


def facts_before(day):
    """The facts dated before `day`, row by row."""
    return {
        "leads": sorted(
            Lead.objects.filter(day__lt=day).values_list("external_id", "created_at", "score", "customer", "revenue")
        ),
        "conversations": sorted(
            Conversation.objects.filter(day__lt=day).values_list(
                "external_id", "started_at", "captured_contact", "duration_seconds", "lead__external_id"
            )
        ),
        "sales": sorted(Sale.objects.filter(date__lt=day).values_list("node__slug", "date", "orders", "revenue")),
        "metrics": sorted(
            DailyMetric.objects.filter(date__lt=day).values_list("campaign__external_id", "date", "spend", "clicks")
        ),
    }


def test_a_demo_built_at_half_past_nine_has_no_fact_after_half_past_nine():
    run = demo_build(seed=3, now=HALF_PAST_NINE, months=1)[2]

    assert_nothing_after(HALF_PAST_NINE)
    assert run.window_end == TODAY  # the sync's day is the moment's, whatever the clock says
    # Today so far is in: the leads of the morning, and part of the day's spend (9.5 h of 24, about 40 %).
    assert Lead.objects.filter(day=TODAY).exists()
    assert Sale.objects.filter(date=TODAY).exists()
    assert Decimal("0.30") < spend_on(TODAY) / spend_on(TODAY - timedelta(days=1)) < Decimal("0.50")


def test_a_demo_built_at_five_past_midnight_has_next_to_nothing_today():
    demo_build(seed=3, now=FIVE_PAST_MIDNIGHT, months=1)

    assert_nothing_after(FIVE_PAST_MIDNIGHT)
    # Leads arrive from 08:00 and conversations from 07:00: none yet. Five minutes of sales round to none, and five
    # minutes of spend are about 0.35 % of a day's.
    assert not Lead.objects.filter(day=TODAY).exists()
    assert not Conversation.objects.filter(day=TODAY).exists()
    assert not Sale.objects.filter(date=TODAY).exists()
    assert spend_on(TODAY) / spend_on(TODAY - timedelta(days=1)) < Decimal("0.01")
    assert Lead.objects.filter(day=TODAY - timedelta(days=1)).exists()  # yesterday is whole


def todays_leads():
    return sorted(Lead.objects.filter(day=TODAY).values_list("external_id", "created_at"))


def test_the_time_of_day_changes_today_only_and_the_same_moment_gives_the_same_data():
    demo_build(seed=3, now=HALF_PAST_NINE, months=1)
    morning = facts_before(TODAY), todays_leads(), spend_on(TODAY)
    demo_build(seed=3, now=NINE_PM, months=1)
    evening = facts_before(TODAY), todays_leads(), spend_on(TODAY)
    demo_build(seed=3, now=HALF_PAST_NINE, months=1)
    again = facts_before(TODAY), todays_leads(), spend_on(TODAY)

    assert again == morning
    assert evening[0] == morning[0]  # the history before today
    # The morning's leads are the evening's of before 09:30: the same draws, cut at another moment.
    assert morning[1] == [lead for lead in evening[1] if lead[1] <= HALF_PAST_NINE] and len(evening[1]) > len(
        morning[1]
    )
    # Today's spend so far: 9.5 hours of the day at 09:30, 21 hours at 21:00 (each campaign's rounded to the cent).
    campaigns_today = DailyMetric.objects.filter(date=TODAY).count()
    assert abs(morning[2] - evening[2] * Decimal("9.5") / 21) <= Decimal("0.01") * campaigns_today


def test_the_demo_command_builds_the_demo_as_of_the_moment_it_runs(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: HALF_PAST_NINE.astimezone(UTC))

    call_command("demo", "--seed", "3", "--months", "1")

    assert_nothing_after(HALF_PAST_NINE)
    assert Lead.objects.filter(day=TODAY).exists()


def test_a_sync_of_the_demo_source_stops_at_the_moment_it_runs(monkeypatch):
    """The demo source is synced like any other, by the nightly schedule too: without a given moment, the run's is
    the present."""
    demo_build(seed=3, now=HALF_PAST_NINE, months=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: FIVE_PAST_MIDNIGHT.astimezone(UTC) + timedelta(days=1))

    run, ran = sync_now(source=DataSource.objects.get(slug=DEMO_SOURCE))

    assert ran and run.status == SyncStatus.SUCCEEDED, run.error
    assert_nothing_after(FIVE_PAST_MIDNIGHT + timedelta(days=1))
    assert Lead.objects.aggregate(v=Max("day"))["v"] == TODAY  # the whole of yesterday, nothing of today yet


def test_a_conversation_still_going_on_at_the_moment_of_the_build_is_not_on_record_yet():
    demo_build(seed=3, now=NINE_PM, months=1)
    long = (Conversation.objects.filter(day=TODAY, duration_seconds__gte=120, captured_contact=False)
            .order_by("started_at").first())  # fmt: skip
    started, ended = long.started_at, long.started_at + timedelta(seconds=long.duration_seconds)

    demo_build(seed=3, now=started + timedelta(seconds=60), months=1)
    assert not Conversation.objects.filter(external_id=long.external_id).exists()
    demo_build(seed=3, now=ended, months=1)
    assert Conversation.objects.filter(external_id=long.external_id).exists()
