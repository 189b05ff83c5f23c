"""kpis' nightly task: the conversion lag of every network, each on its own local day, scheduled once a day."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from kpis.models import ConversionLag, ConversionLagBasis
from kpis.tasks import conversion_lags_measure
from tests.factories import NetworkFactory

pytestmark = pytest.mark.django_db

# 23:30 UTC on 4 December: already 5 December in Paris, still 4 December in New York.
NOW = datetime(2026, 12, 4, 23, 30, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def frozen_clock(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def new_york(db):
    return NetworkFactory(slug="new-york", timezone="America/New_York")


def test_the_task_measures_every_network_on_its_local_day(celery_inline, frozen_clock, network, new_york):
    measured = conversion_lags_measure.delay().get()

    assert measured == 2
    rows = {row.network.slug: row for row in ConversionLag.objects.select_related("network")}
    assert {slug: row.measured_on for slug, row in rows.items()} == {
        "acme": date(2026, 12, 5),
        "new-york": date(2026, 12, 4),
    }
    # Networks without leads: the default, said so.
    assert {(row.days, row.basis) for row in rows.values()} == {(60, ConversionLagBasis.SHORT_HISTORY)}


def test_the_task_run_twice_keeps_one_row_per_network(celery_inline, frozen_clock, network, new_york):
    conversion_lags_measure.delay()
    conversion_lags_measure.delay()

    assert ConversionLag.objects.count() == 2


def test_the_task_given_a_network_measures_it_alone(celery_inline, frozen_clock, network, new_york):
    assert conversion_lags_measure.delay(network_id=new_york.pk).get() == 1

    assert list(ConversionLag.objects.values_list("network__slug", flat=True)) == ["new-york"]


def test_the_task_given_a_network_gone_or_not_a_network_measures_nothing(celery_inline, frozen_clock, tree,
                                                                         region_nord):  # fmt: skip
    assert conversion_lags_measure.delay(network_id=10**9).get() == 0
    assert conversion_lags_measure.delay(network_id=region_nord.pk).get() == 0

    assert not ConversionLag.objects.exists()


def test_the_conversion_lags_are_measured_once_a_day_at_a_quiet_hour_by_a_registered_task():
    from config.celery import app

    app.autodiscover_tasks(force=True)  # every app's tasks module, as a worker imports them
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "kpis.tasks.conversion_lags_measure"]

    assert len(entries) == 1
    assert "kpis.tasks.conversion_lags_measure" in app.tasks
    assert entries[0]["schedule"] == crontab(hour=3, minute=30)  # UTC (CELERY_TIMEZONE), every day
    assert settings.CELERY_TIMEZONE == "UTC"
