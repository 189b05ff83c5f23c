"""Who a question goes to: the objective's owner, then the KPI's owner, then the node's manager, walking up."""

import pytest

from accounts.constants import NodeKind, Role
from accounts.models import RoleAssignment
from accounts.services import node_upsert, role_revoke
from dashboard.questions.selectors import thread_addressee
from dashboard.questions.services import kpi_owner_set, thread_open
from kpis.periods import PeriodKind, period_containing
from kpis.services import objective_set
from tests.dashboard.questions.conftest import DAY, MARCH
from tests.helpers import person

pytestmark = pytest.mark.django_db


def test_the_objective_owner_comes_first(franchisee_lille, franchisee_user_lille, region_manager_nord, marketing):
    objective_set(kpi="leads", node=franchisee_lille, period=MARCH, target=100, owner=region_manager_nord)
    kpi_owner_set(kpi="leads", node=franchisee_lille, user=marketing)

    assert thread_addressee(kpi="leads", node=franchisee_lille, period=MARCH) == region_manager_nord


def test_an_objective_of_another_kpi_or_period_does_not_count(franchisee_lille, franchisee_user_lille,
                                                               region_manager_nord):  # fmt: skip
    objective_set(kpi="cpl", node=franchisee_lille, period=MARCH, target=10, owner=region_manager_nord)
    april = period_containing(PeriodKind.MONTH, MARCH.end.replace(day=30).replace(month=4))
    objective_set(kpi="leads", node=franchisee_lille, period=april, target=100, owner=region_manager_nord)

    assert thread_addressee(kpi="leads", node=franchisee_lille, period=MARCH) == franchisee_user_lille


def test_a_quarter_objective_routes_the_questions_of_its_months(franchisee_lille, franchisee_user_lille,
                                                                region_manager_nord):  # fmt: skip
    quarter = period_containing(PeriodKind.QUARTER, DAY)
    objective_set(kpi="leads", node=franchisee_lille, period=quarter, target=300, owner=region_manager_nord)

    assert thread_addressee(kpi="leads", node=franchisee_lille, period=MARCH) == region_manager_nord


def test_the_kpi_owner_comes_next(franchisee_lille, franchisee_user_lille, marketing):
    kpi_owner_set(kpi="leads", node=franchisee_lille, user=marketing)

    assert thread_addressee(kpi="leads", node=franchisee_lille, period=MARCH) == marketing
    assert thread_addressee(kpi="cpl", node=franchisee_lille, period=MARCH) == franchisee_user_lille


@pytest.mark.parametrize(("slug", "manager"), [("lille", "lille@acme.example"), ("nord", "nord@acme.example"),
                                               ("acme", "admin@acme.example")])  # fmt: skip
def test_otherwise_the_person_holding_the_nodes_own_managing_role(franchisor, region_manager_nord,
                                                                  franchisee_user_lille, slug, manager):  # fmt: skip
    from accounts.models import Node

    assert thread_addressee(kpi="leads", node=Node.objects.get(slug=slug), period=MARCH).email == manager


def test_an_executive_or_marketing_role_is_no_manager(network, executive, marketing, franchisor):
    assert thread_addressee(kpi="leads", node=network, period=MARCH) == franchisor


def test_a_node_without_its_manager_walks_up_the_tree(franchisee_roubaix, franchisee_nice, franchisor,
                                                      region_manager_nord):  # fmt: skip
    assert thread_addressee(kpi="leads", node=franchisee_roubaix, period=MARCH) == region_manager_nord
    assert thread_addressee(kpi="leads", node=franchisee_nice, period=MARCH) == franchisor


def test_nobody_addresses_a_question_to_themselves(franchisee_lille, franchisee_user_lille, region_manager_nord):
    assert thread_addressee(kpi="leads", node=franchisee_lille, period=MARCH,
                            asker=franchisee_user_lille) == region_manager_nord  # fmt: skip

    thread = thread_open(kpi="leads", node=franchisee_lille, period=MARCH, body="Why?", author=franchisee_user_lille)

    assert thread.addressee == region_manager_nord


def test_an_owner_who_lost_access_is_passed_over(franchisee_lille, franchisee_user_lille, region_manager_nord):
    objective_set(kpi="leads", node=franchisee_lille, period=MARCH, target=100, owner=region_manager_nord)
    role_revoke(assignment=RoleAssignment.objects.get(user=region_manager_nord))

    assert thread_addressee(kpi="leads", node=franchisee_lille, period=MARCH) == franchisee_user_lille


def test_a_kpi_owner_must_see_the_node(franchisee_nice, region_manager_nord):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        kpi_owner_set(kpi="leads", node=franchisee_nice, user=region_manager_nord)


def test_a_network_with_nobody_to_ask_leaves_the_question_unaddressed(db):
    lonely = node_upsert(slug="lonely", name="Lonely", kind=NodeKind.NETWORK)
    viewer = person("viewer@lonely.example", Role.EXECUTIVE, lonely)

    thread = thread_open(kpi="leads", node=lonely, period=MARCH, body="Anyone?", author=viewer)

    assert thread_addressee(kpi="leads", node=lonely, period=MARCH) is None and thread.addressee is None
