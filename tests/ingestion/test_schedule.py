"""The nightly schedule: 01:00 local time of each network, across daylight saving, and a dispatcher that queues a
due source once however often it is called."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from ingestion.constants import SyncStatus, SyncTrigger
from ingestion.models import SyncRun
from ingestion.schedule import next_run_after
from ingestion.services import source_register, source_schedule_set, syncs_dispatch_due
from tests.factories import FranchiseeFactory, NetworkFactory, RegionFactory

PARIS, NEW_YORK = ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [
        # Paris, winter: 01:00 CET is 00:00 UTC; the clocks go forward at 02:00 on 29 March 2026
        (PARIS, utc(2026, 3, 27, 23, 30), utc(2026, 3, 28, 0, 0)),
        (PARIS, utc(2026, 3, 28, 0, 0), utc(2026, 3, 29, 0, 0)),
        (PARIS, utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 23, 0)),  # 30 March, 01:00 CEST
        # New York: forward on 8 March 2026 (01:00 EST = 06:00 UTC, then EDT = 05:00 UTC)
        (NEW_YORK, utc(2026, 3, 7, 12, 0), utc(2026, 3, 8, 6, 0)),
        (NEW_YORK, utc(2026, 3, 8, 6, 0), utc(2026, 3, 9, 5, 0)),
        # New York, back on 1 November 2026: 01:00 happens twice; one run, the first
        (NEW_YORK, utc(2026, 10, 31, 12, 0), utc(2026, 11, 1, 5, 0)),
        (NEW_YORK, utc(2026, 11, 1, 5, 0), utc(2026, 11, 2, 6, 0)),
        (NEW_YORK, utc(2026, 11, 1, 6, 0), utc(2026, 11, 2, 6, 0)),
    ],
)
def test_the_nightly_run_is_at_one_in_the_morning_local_time_across_daylight_saving(zone, after, expected):
    assert next_run_after(time_of_day=time(1, 0), zone=zone, after=after) == expected


def test_a_time_the_clocks_skip_runs_as_late_as_the_gap():
    # 02:30 does not exist in Paris on 29 March 2026: it runs at 03:30 CEST (01:30 UTC)
    assert next_run_after(time_of_day=time(2, 30), zone=PARIS, after=utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 1, 30)


@pytest.mark.django_db
def test_sources_follow_their_own_networks_time_zone(franchisee_lille):
    america = NetworkFactory(slug="usa", timezone="America/New_York")
    boston = FranchiseeFactory(slug="boston", parent=RegionFactory(slug="east", parent=america))

    paris = source_register(slug="csv-lille", kind="csv", node=franchisee_lille, config={"folder": "/srv/drop"})[0]
    east = source_register(slug="csv-boston", kind="csv", node=boston, config={"folder": "/srv/drop"})[0]

    assert paris.next_run_at.astimezone(PARIS).time() == time(1, 0)
    assert east.next_run_at.astimezone(NEW_YORK).time() == time(1, 0)
    source_schedule_set(source=paris, time_of_day=time(4, 15), enabled=True)
    paris.refresh_from_db()
    assert paris.next_run_at.astimezone(PARIS).time() == time(4, 15)


@pytest.mark.django_db
def test_the_dispatcher_queues_a_due_source_once_even_when_called_twice(
    franchisee_lille, django_capture_on_commit_callbacks
):
    source = source_register(slug="csv-lille", kind="csv", node=franchisee_lille, config={"folder": "/srv/drop"})[0]
    due = source.next_run_at

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = syncs_dispatch_due(now=due)
        second = syncs_dispatch_due(now=due)

    assert [run.trigger for run in first] == [SyncTrigger.SCHEDULE] and second == []
    assert SyncRun.objects.filter(source=source).count() == 1 and len(callbacks) == 1
    source.refresh_from_db()
    assert source.next_run_at > due


@pytest.mark.django_db
def test_a_disabled_source_is_not_dispatched_and_a_webhook_source_has_no_schedule(franchisee_lille):
    source = source_register(slug="csv-lille", kind="csv", node=franchisee_lille, config={"folder": "/srv/drop"},
                             enabled=False)[0]  # fmt: skip
    hook = source_register(slug="hook", kind="webhook", node=franchisee_lille, secret="s")[0]

    assert syncs_dispatch_due(now=source.next_run_at) == []
    assert hook.next_run_at is None


@pytest.mark.django_db
def test_a_run_no_worker_finished_is_sent_again_then_given_up(franchisee_lille, settings,
                                                              django_capture_on_commit_callbacks):  # fmt: skip
    source = source_register(slug="csv-lille", kind="csv", node=franchisee_lille, config={"folder": "/srv/drop"})[0]
    run = SyncRun.objects.create(source=source, trigger=SyncTrigger.SCHEDULE, queued_at=utc(2026, 3, 1, 0),
                                 status=SyncStatus.RUNNING, attempt=1)  # fmt: skip

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        syncs_dispatch_due(now=utc(2026, 3, 1, 3))
    run.refresh_from_db()
    assert len(callbacks) == 1 and run.queued_at == utc(2026, 3, 1, 3) and run.status == SyncStatus.RUNNING

    SyncRun.objects.filter(pk=run.pk).update(attempt=5)
    syncs_dispatch_due(now=utc(2026, 3, 1, 6))
    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED and "given up after 5 attempts" in run.error
