"""Automatic questions: the nightly rules open a question, addressed per the routing and with the figures in its
text, once per rule, node and period, however many times (or however concurrently) they run."""

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import close_old_connections, connection, transaction

from dashboard.models import QuestionRule, RuleComparison, RuleKind, RuleScope, Thread
from dashboard.questions.automatic import automatic_questions_run
from dashboard.questions.rules import rules_findings
from dashboard.tasks import automatic_questions_task
from kpis.periods import PeriodKind, period_containing
from kpis.rollups import rollups_refresh
from kpis.services import objective_set
from tests.factories import LeadFactory, SaleFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 20)
MONTH = period_containing(PeriodKind.MONTH, TODAY)


def facts(network, node, *, days, leads_per_day=0, revenue_per_day=0, customers_per_day=1):
    for day in days:
        for n in range(leads_per_day):
            LeadFactory(node=node, created_at=datetime.combine(day, datetime.min.time(), tzinfo=network.zone)
                        + timedelta(hours=10, minutes=n))  # fmt: skip
        if revenue_per_day or customers_per_day:
            SaleFactory(node=node, date=day, revenue=Decimal(revenue_per_day), new_customers=customers_per_day)


def days(first, count):
    return [first + timedelta(days=n) for n in range(count)]


@pytest.fixture
def lille_sales_halved(network, franchisee_lille):
    """Lille sold 1,000 a day in February and 500 a day in March, up to the 20th."""
    facts(network, franchisee_lille, days=days(date(2026, 2, 1), 28), revenue_per_day=1000)
    facts(network, franchisee_lille, days=days(date(2026, 3, 1), 20), revenue_per_day=500)
    rollups_refresh(network=network)


def drop_rule(node, threshold="20", **extra):
    return QuestionRule.objects.create(kpi="sales_revenue", node=node, kind=RuleKind.DROP,
                                       threshold=Decimal(threshold), **extra)  # fmt: skip


def test_a_sharp_drop_opens_one_question_to_the_owner_with_the_figures(network, franchisee_lille,
                                                                       franchisee_user_lille, region_manager_nord,
                                                                       lille_sales_halved, celery_inline,
                                                                       django_capture_on_commit_callbacks):  # fmt: skip
    rule = drop_rule(franchisee_lille)

    with django_capture_on_commit_callbacks(execute=True):
        opened = automatic_questions_run(network=network, today=TODAY)

    assert [(t.kpi, t.node.slug, t.addressee, t.author, t.period_start, t.period_end) for t in opened] == [
        ("sales_revenue", "lille", franchisee_user_lille, None, MONTH.start, MONTH.end)
    ]
    thread = opened[0]
    assert thread.rule == rule and thread.rule_key == rule.key and thread.status == "open"
    text = thread.messages.get().body
    # In the addressee's language (French by default): 10 000 € against 20 000 € over the same 20 days, -50 %.
    assert "10\xa0000\xa0€" in text and "20\xa0000\xa0€" in text and "-50,0\xa0%" in text, text
    assert "Chiffre d'affaires" in text, text
    assert thread.notifications.get().recipient == franchisee_user_lille
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lille@acme.example"]


def test_the_same_rule_never_asks_twice_in_a_period(network, franchisee_lille, franchisee_user_lille,
                                                    lille_sales_halved):  # fmt: skip
    drop_rule(franchisee_lille)

    runs = [len(automatic_questions_run(network=network, today=TODAY + timedelta(days=n))) for n in range(3)]
    call_command("questions_run", "--network", "acme", "--date", TODAY.isoformat())
    automatic_questions_task(network.pk)

    assert runs == [1, 0, 0]
    assert Thread.objects.count() == 1 and Thread.objects.get().messages.count() == 1


def test_a_rule_that_no_longer_holds_opens_nothing(network, franchisee_lille, lille_sales_halved):
    drop_rule(franchisee_lille, threshold="60")

    assert automatic_questions_run(network=network, today=TODAY) == []


def test_a_rise_of_a_cost_is_a_worsening_and_a_rise_of_revenue_is_not(network, franchisee_lille):
    facts(network, franchisee_lille, days=days(date(2026, 2, 1), 28), revenue_per_day=500)
    facts(network, franchisee_lille, days=days(date(2026, 3, 1), 20), revenue_per_day=1000)
    rollups_refresh(network=network)
    drop_rule(franchisee_lille)

    assert rules_findings(network=network, today=TODAY) == []


def test_scope_children_watches_each_node_directly_below(network, region_nord, franchisee_lille, franchisee_roubaix,
                                                         lille_sales_halved):  # fmt: skip
    drop_rule(network, scope=RuleScope.CHILDREN)
    drop_rule(region_nord, threshold="10", scope=RuleScope.SUBTREE, comparison=RuleComparison.PREVIOUS,
              enabled=False)  # fmt: skip

    findings = rules_findings(network=network, today=TODAY)

    # Nord halved with Lille; Sud sold nothing in either month (no change to speak of); the disabled rule is silent.
    assert [(f.node.slug, f.rule.scope) for f in findings] == [("nord", "children")]


def test_an_outcome_falling_while_its_driver_rises_is_questioned(network, region_sud, franchisee_nice):
    # Last year: 2 leads and 4 new customers a day; this year: 4 leads and 2 new customers a day.
    facts(network, franchisee_nice, days=days(date(2025, 3, 1), 20), leads_per_day=2, customers_per_day=4)
    facts(network, franchisee_nice, days=days(date(2026, 3, 1), 20), leads_per_day=4, customers_per_day=2)
    rollups_refresh(network=network)
    QuestionRule.objects.create(kpi="leads", node=region_sud, kind=RuleKind.AGAINST_DRIVER, threshold=Decimal(15),
                                comparison=RuleComparison.LAST_YEAR)  # fmt: skip

    [thread] = automatic_questions_run(network=network, today=TODAY)

    text = thread.messages.get().body
    assert (thread.kpi, thread.node) == ("leads", region_sud)
    assert "+100,0\xa0%" in text and "-50,0\xa0%" in text and "Nouveaux clients" in text and "80 " in text, text


def test_an_objective_off_track_is_questioned_to_its_owner(network, region_nord, franchisee_lille, region_manager_nord,
                                                           executive, lille_sales_halved):  # fmt: skip
    objective_set(kpi="sales_revenue", node=region_nord, period=MONTH, target=40000, owner=executive)
    objective_set(kpi="sales_revenue", node=franchisee_lille, period=MONTH, target=15000, owner=region_manager_nord)
    QuestionRule.objects.create(kpi="sales_revenue", node=network, kind=RuleKind.OFF_TRACK,
                                scope=RuleScope.SUBTREE)  # fmt: skip

    opened = automatic_questions_run(network=network, today=TODAY)

    # Nord: 10,000 in 20 days, 15,500 by the end of March against 40,000: off track. Lille's target of 15,000 is on
    # track.
    assert [(t.node.slug, t.addressee) for t in opened] == [("nord", executive)]
    assert "15\xa0500" in opened[0].messages.get().body


def test_a_rule_needs_a_known_kpi_a_driver_and_a_threshold(network):
    for fields in ({"kpi": "nope", "kind": RuleKind.OFF_TRACK}, {"kpi": "sales_revenue", "kind": RuleKind.DROP},
                   {"kpi": "sales_revenue", "kind": RuleKind.AGAINST_DRIVER, "threshold": 5}):  # fmt: skip
        with pytest.raises(ValidationError):
            QuestionRule(node=network, **fields).full_clean()


def test_deleting_a_rule_keeps_its_questions(network, franchisee_lille, lille_sales_halved):
    rule = drop_rule(franchisee_lille)
    automatic_questions_run(network=network, today=TODAY)
    key = rule.key

    rule.delete()

    thread = Thread.objects.get()
    assert thread.rule is None and thread.rule_key == key


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_open_one_question(network, franchisee_lille, lille_sales_halved, celery_inline):
    """The second run starts while the first holds its new question uncommitted: on PostgreSQL its insert waits on
    the unique index, then loses, and it opens nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("needs two concurrent writers: PostgreSQL")
    drop_rule(franchisee_lille)
    first_inserted, second_done, results = threading.Event(), threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = len(automatic_questions_run(network=network, today=TODAY))
                first_inserted.set()
                second_done.wait(timeout=3)  # the second run blocks on our row meanwhile
        finally:
            close_old_connections()

    def second():
        try:
            first_inserted.wait(timeout=30)
            results["second"] = len(automatic_questions_run(network=network, today=TODAY))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results["second"] = error
        finally:
            second_done.set()
            close_old_connections()

    workers = [threading.Thread(target=first), threading.Thread(target=second)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert results == {"first": 1, "second": 0}
    assert Thread.objects.filter(rule_key__startswith="rule-").count() == 1
