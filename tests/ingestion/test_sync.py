"""The sync engine: one transaction per run, rollups of touched days, failures that write nothing and e-mail the
network's administrators after commit, the follow-up hook, the per-source lock, a run taken over after its worker was
lost, the CSV drop folder, and the commands."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command

from ingestion.constants import SyncStatus, SyncTrigger
from ingestion.crypto import credentials_decrypt
from ingestion.models import DataSource, SyncRun
from ingestion.services import source_register, sync_now, sync_queue
from ingestion.sync import sync_run_execute
from kpis.models import DailyRollup, Lead, Sale
from tests.helpers import write_csv

from .conftest import TODAY

pytestmark = pytest.mark.django_db
LEADS = [
    {"external_id": "l1", "created_at": "2026-03-10T10:00:00+01:00", "node_slug": "lille", "revenue": "100"},
    {"external_id": "l2", "created_at": "2026-03-11T10:00:00+01:00", "node_slug": "roubaix", "revenue": "50"},
]  # fmt: skip


@pytest.fixture
def drop(tmp_path, region_nord, tree):
    """A CSV drop folder feeding the Nord region."""
    source = source_register(slug="drop-nord", kind="csv", node=region_nord, config={"folder": str(tmp_path)})[0]
    return source, tmp_path


def leads_by_day(path="/acme/nord/"):
    rows = DailyRollup.objects.filter(node_path__startswith=path, leads__gt=0).values_list("day", "leads")
    totals = {}
    for day, leads in rows:
        totals[day.isoformat()] = totals.get(day.isoformat(), 0) + leads
    return totals


def test_a_drop_folder_is_imported_once_and_again_only_when_a_file_changes(drop):
    source, folder = drop
    write_csv(folder, "leads", LEADS)

    first, _ = sync_now(source=source, today=TODAY)
    second, _ = sync_now(source=source, today=TODAY)
    write_csv(folder, "leads", [dict(LEADS[0], created_at="2026-03-12T09:00:00+01:00"), LEADS[1]])
    third, _ = sync_now(source=source, today=TODAY)

    assert (first.status, first.created) == (SyncStatus.SUCCEEDED, 2)
    assert second.rows == 0 and "already imported with the same content" in second.notes
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    # the changed lead's rollups moved from its old day to its new one
    assert leads_by_day() == {"2026-03-11": 1, "2026-03-12": 1}


def test_a_bad_file_fails_the_run_with_every_reason_and_nothing_is_written(
    drop, franchisor, celery_inline, django_capture_on_commit_callbacks
):
    source, folder = drop
    write_csv(folder, "sales", [{"date": "2026-03-10", "node_slug": "lille", "revenue": "10"}])
    write_csv(folder, "leads", [LEADS[0], dict(LEADS[1], revenue="-5"), dict(LEADS[1], external_id="l3",
                                                                             node_slug="nice")])  # fmt: skip

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run, _ = sync_now(source=source, today=TODAY)
        assert mail.outbox == []  # nobody is told before the failure is committed
    for callback in callbacks:
        callback()

    assert run.status == SyncStatus.FAILED and run.rejected == 2
    assert run.rejected_reasons.splitlines() == [
        "drop-nord:leads.csv line 3: revenue: -5 is negative",
        "drop-nord:leads.csv line 4: node_slug: 'nice' is outside 'nord''s subtree",
    ]
    assert Lead.objects.count() == 0 and Sale.objects.count() == 0 and DailyRollup.objects.count() == 0
    assert folder.joinpath("leads.csv").exists()  # left where it was, to be fixed
    assert DataSource.objects.get(pk=source.pk).state == {}  # so the next run reads every file again
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["admin@acme.example"]
    assert "leads.csv line 3: revenue: -5 is negative" in mail.outbox[0].body
    assert f"/sources/{source.pk}/" in mail.outbox[0].body


def test_a_header_problem_fails_the_run_naming_the_file(drop):
    source, folder = drop
    write_csv(folder, "sales", [{"date": "2026-03-10", "node_slug": "lille", "colour": "red"}])

    run, _ = sync_now(source=source, today=TODAY)

    assert run.status == SyncStatus.FAILED and run.error == "sales.csv line 1: colour: unknown column"


@pytest.mark.parametrize("linked", ["a file", "the folder"])
def test_a_symbolic_link_fails_the_drop_run_and_is_never_read(drop, tmp_path_factory, franchisor, celery_inline,
                                                              django_capture_on_commit_callbacks, linked):  # fmt: skip
    source, folder = drop
    outside = tmp_path_factory.mktemp("outside")
    (outside / "environ").write_text("DATABASE_PASSWORD=hunter2,SECRET_KEY=s3cr3t\n")  # as /proc/self/environ
    write_csv(folder, "sales", [{"date": "2026-03-10", "node_slug": "lille", "revenue": "10"}])
    refused = folder / "leads.csv"
    refused.symlink_to(outside / "environ")
    if linked == "the folder":
        refused = outside / "drop"
        refused.symlink_to(folder, target_is_directory=True)
        (folder / "leads.csv").unlink()
        source.config = {"folder": str(refused)}
        source.save(update_fields=["config"])

    with django_capture_on_commit_callbacks(execute=True):
        run, _ = sync_now(source=source, today=TODAY)

    assert run.status == SyncStatus.FAILED
    assert run.error == f"{refused}: a symbolic link; refused, not followed"
    assert Sale.objects.count() == 0
    told = run.error + run.rejected_reasons + run.notes + "".join(m.body for m in mail.outbox)
    assert len(mail.outbox) == 1 and "hunter2" not in told and "s3cr3t" not in told


def test_a_drop_file_without_a_header_fails_the_run_without_repeating_its_first_line(
    drop, franchisor, celery_inline, django_capture_on_commit_callbacks
):
    source, folder = drop
    (folder / "leads.csv").write_text("l9,2026-03-10T10:00:00+01:00,lille,jane.doe@example.com,+33612345678\n")

    with django_capture_on_commit_callbacks(execute=True):
        run, _ = sync_now(source=source, today=TODAY)

    assert run.status == SyncStatus.FAILED
    assert run.error.split("; ") == [
        "leads.csv line 1: external_id: missing required column",
        "leads.csv line 1: created_at: missing required column",
        "leads.csv line 1: node_slug: missing required column",
        "leads.csv line 1: -: 5 unknown column(s), not repeated here: line 1 is not a header of this format",
    ]
    told = run.error + "".join(m.body for m in mail.outbox)
    assert len(mail.outbox) == 1 and "jane.doe" not in told and "33612345678" not in told


def test_a_successful_sync_queues_the_follow_up_tasks_after_commit(drop, settings, network,
                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    from config.celery import app

    received = []

    @app.task(name="tests.follow_up")
    def follow_up(network_id):
        received.append(network_id)

    settings.INGESTION_AFTER_SYNC_TASKS = ["tests.follow_up"]
    source, folder = drop
    write_csv(folder, "leads", LEADS)
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            sync_now(source=source, today=TODAY)
            assert received == []
        for callback in callbacks:
            callback()
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    assert received == [network.pk]


def test_a_source_has_one_queued_or_running_run_at_a_time(drop, django_capture_on_commit_callbacks):
    source, _ = drop
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first, created = sync_queue(source=source, trigger=SyncTrigger.MANUAL)
        again, created_again = sync_queue(source=source, trigger=SyncTrigger.SCHEDULE)

    assert (created, created_again, again.pk) == (True, False, first.pk) and len(callbacks) == 1
    assert sync_now(source=source)[1] is False


def test_a_run_whose_worker_was_lost_is_taken_over_and_says_so(drop):
    source, folder = drop
    write_csv(folder, "leads", LEADS)
    run = SyncRun.objects.create(source=source, trigger=SyncTrigger.SCHEDULE, status=SyncStatus.RUNNING, attempt=1,
                                 window_start=date(2026, 3, 5), window_end=TODAY)  # fmt: skip

    finished = sync_run_execute(run_id=run.pk)

    assert (finished.status, finished.attempt, finished.created) == (SyncStatus.SUCCEEDED, 2, 2)
    assert "Attempt 1 was interrupted (its worker was lost)" in finished.notes


@pytest.mark.django_db(transaction=True)
def test_a_source_locked_by_another_session_is_left_to_it(drop):
    from django.db import connection, connections

    from ingestion.sync import LOCK_NAMESPACE

    if connection.vendor != "postgresql":
        pytest.skip("the lock is PostgreSQL's advisory lock; SQLite runs one sync at a time anyway")
    source, folder = drop
    write_csv(folder, "leads", LEADS)
    run, _ = sync_queue(source=source, trigger=SyncTrigger.MANUAL, dispatch=False)
    other = connections.create_connection("default")  # another worker's database session
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_NAMESPACE + source.pk])
        left = sync_run_execute(run_id=run.pk)
        assert left.status == SyncStatus.QUEUED and Lead.objects.count() == 0
        with other.cursor() as cursor:  # the other worker finishes (closing its session would release the lock
            # too, but only once its server process has gone, a moment after the client hangs up)
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_NAMESPACE + source.pk])
    finally:
        other.close()

    assert sync_run_execute(run_id=run.pk).status == SyncStatus.SUCCEEDED


def test_a_transient_error_with_retries_left_puts_the_run_back_in_the_queue(make_source, provider, http):
    from ingestion.http import TransientError

    from .connectors import CHATBOT

    provider.on("GET", CHATBOT, (502, {"message": "bad gateway"}))
    source = make_source("chatbot", url=provider.url + CHATBOT)
    run, _ = sync_queue(source=source, trigger=SyncTrigger.SCHEDULE, dispatch=False)

    with pytest.raises(TransientError):
        sync_run_execute(run_id=run.pk, retry_left=True, http=http)

    run.refresh_from_db()
    assert run.status == SyncStatus.QUEUED and "Attempt 1 failed for now" in run.notes and "502" in run.notes
    final = sync_run_execute(run_id=run.pk, retry_left=False, http=http)
    assert (final.status, final.attempt) == (SyncStatus.FAILED, 2)


def test_a_bug_in_a_connector_fails_the_run_instead_of_leaving_it_running(drop, monkeypatch):
    source, folder = drop
    write_csv(folder, "leads", LEADS)
    monkeypatch.setattr("ingestion.connectors.csv_drop.Connector.records", lambda self: 1 / 0)

    run, _ = sync_now(source=source, today=TODAY)

    assert run.status == SyncStatus.FAILED and run.error == "unexpected error: ZeroDivisionError: division by zero"


# Commands -------------------------------------------------------------------------------------------------------------
def test_add_source_registers_a_source_with_its_secrets_encrypted(tree, capsys):
    call_command("add_source", "gads-lille", "--kind", "google_ads", "--node", "lille", "--secret", "refresh-xyz",
                 "--config", '{"customer_id": "123-456-7890", "developer_token": "dev-abc"}')  # fmt: skip

    source = DataSource.objects.get(slug="gads-lille")
    assert source.config == {"customer_id": "123-456-7890"} and source.lookback_days == 28
    assert credentials_decrypt(source.credentials) == {"secret": "refresh-xyz", "developer_token": "dev-abc"}
    assert "dev-abc" not in source.credentials and "refresh-xyz" not in source.credentials
    assert "Registered gads-lille" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["--kind", "tiktok", "--node", "lille"], "Unknown kind 'tiktok'"),
    (["--kind", "csv", "--node", "paris"], "Unknown node 'paris'"),
])  # fmt: skip
def test_add_source_exits_2_for_an_unknown_kind_or_node(tree, args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message) as error:
        call_command("add_source", "x", *args, "--config", '{"folder": "/srv/x"}')

    assert error.value.returncode == 2 and not DataSource.objects.exists()


def test_add_source_says_what_a_connector_misses(tree):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="config needs 'customer_id'"):
        call_command("add_source", "g", "--kind", "google_ads", "--node", "lille")


def test_sync_command_prints_one_line_per_source_and_exits_1_if_any_failed(drop, tmp_path_factory, franchisee_lille,
                                                                           capsys):  # fmt: skip
    source, folder = drop
    write_csv(folder, "leads", LEADS)
    broken = tmp_path_factory.mktemp("broken")
    write_csv(broken, "sales", [{"date": "2026-03-10", "node_slug": "lille", "revenue": "abc"}])
    source_register(slug="drop-lille", kind="csv", node=franchisee_lille, config={"folder": str(broken)})

    with pytest.raises(SystemExit) as exit_info:
        call_command("sync")

    out = capsys.readouterr()
    assert exit_info.value.code == 1
    assert "drop-lille: failed, rows created 0, updated 0, unchanged 0, rejected 1" in out.out
    assert "drop-nord: succeeded, rows created 2, updated 0, unchanged 0, rejected 0" in out.out
    assert "drop-lille:sales.csv line 2: revenue: 'abc' is not a number" in out.err
    assert SyncRun.objects.filter(trigger=SyncTrigger.COMMAND).count() == 2


def test_sync_command_with_since_pulls_from_that_day_and_exits_0(drop, capsys):
    source, folder = drop
    write_csv(folder, "leads", LEADS)

    call_command("sync", "drop-nord", "--since", "2026-01-01")

    run = SyncRun.objects.get()
    assert run.window_start == date(2026, 1, 1) and run.status == SyncStatus.SUCCEEDED
    assert capsys.readouterr().out.startswith("drop-nord: succeeded, rows created 2")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as error:
        call_command("sync", "nope")
    assert error.value.returncode == 2
    assert Lead.objects.get(external_id="l1").revenue == Decimal("100.00")


def test_the_syncs_of_one_window_share_one_follow_up_per_network(network, region_nord):
    from django.core.cache import cache

    from ingestion.sync import follow_up_window_claim

    cache.clear()
    claims = [follow_up_window_claim("questions", network.pk, 600) for _ in range(3)]
    other_network = follow_up_window_claim("questions", region_nord.pk, 600)
    other_task = follow_up_window_claim("reports", network.pk, 600)
    cache.delete(f"ingestion:after-sync:questions:{network.pk}")  # the window is over

    assert claims == [True, False, False] and other_network and other_task
    assert follow_up_window_claim("questions", network.pk, 600)


def test_without_a_broker_a_sync_opens_the_nights_questions_at_once(drop, network, franchisee_lille, settings,
                                                                    django_capture_on_commit_callbacks):  # fmt: skip
    """The default follow-up (the question rules) runs inline after a sync, even in a process that never imported
    dashboard.tasks: this month's objective of 1,000 leads for the network is off track, so a question opens."""
    from django.utils import timezone

    from dashboard.models import QuestionRule, RuleComparison, RuleKind, RuleScope, Thread
    from kpis.periods import PeriodKind, period_containing
    from kpis.services import objective_set

    settings.INGESTION_AFTER_SYNC_TASKS = ["dashboard.tasks.automatic_questions_task"]
    month = period_containing(PeriodKind.MONTH, timezone.localdate(timezone=network.zone))
    objective_set(kpi="leads", node=network, period=month, target=1000)
    QuestionRule.objects.create(kpi="leads", node=network, scope=RuleScope.NODE, kind=RuleKind.OFF_TRACK,
                                comparison=RuleComparison.PREVIOUS)  # fmt: skip
    source, folder = drop
    write_csv(folder, "leads", LEADS)

    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run, _ = sync_now(source=source, today=TODAY)
    finally:
        app.conf.task_always_eager = eager

    assert run.status == SyncStatus.SUCCEEDED
    question = Thread.objects.get()
    assert (question.kpi, question.node, question.rule.kind) == ("leads", network, RuleKind.OFF_TRACK)
