from datetime import UTC, datetime

import pytest

from accounts.constants import Role
from accounts.models import Node, RoleAssignment, User
from accounts.scoping import restrict, top_nodes, visible_nodes
from accounts.services import user_grant
from kpis.models import Lead

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


def slugs(queryset):
    return set(queryset.values_list("slug", flat=True))


def test_franchisor_admin_and_executive_see_the_whole_network_even_when_granted_lower(region_nord, tree):
    granted_on_region = user_grant(email="cfo@acme.example", role=Role.EXECUTIVE, node=region_nord)[0]

    assert slugs(visible_nodes(granted_on_region)) == {"acme", "nord", "sud", "lille", "roubaix", "nice"}
    assert slugs(top_nodes(granted_on_region)) == {"acme"}


def test_region_manager_sees_their_region_only(region_manager_nord):
    assert slugs(visible_nodes(region_manager_nord)) == {"nord", "lille", "roubaix"}
    assert slugs(top_nodes(region_manager_nord)) == {"nord"}


def test_franchisee_sees_their_own_node_only(franchisee_user_lille):
    assert slugs(visible_nodes(franchisee_user_lille)) == {"lille"}


def test_a_franchisee_of_two_locations_sees_both(franchisee_lille, franchisee_nice):
    owner = user_grant(email="two@acme.example", role=Role.FRANCHISEE, node=franchisee_lille)[0]
    user_grant(email="two@acme.example", role=Role.FRANCHISEE, node=franchisee_nice)

    assert slugs(visible_nodes(owner)) == {"lille", "nice"}


def test_nobody_without_a_role_or_inactive_sees_anything(franchisee_user_lille, tree):
    nobody = User.objects.create_user(email="nobody@acme.example", password=PASSWORD)
    franchisee_user_lille.is_active = False
    franchisee_user_lille.save()

    assert slugs(visible_nodes(nobody)) == set()
    assert slugs(visible_nodes(franchisee_user_lille)) == set()


def test_superuser_sees_everything(tree):
    root = User.objects.create_superuser(email="root@example.com", password=PASSWORD)

    assert slugs(visible_nodes(root)) == set(Node.objects.values_list("slug", flat=True))


def test_franchisee_cannot_read_other_franchisee_leads(franchisee_user_lille, franchisee_lille, franchisee_nice):
    moment = datetime(2026, 3, 1, 10, tzinfo=UTC)
    for external_id, node in (("mine", franchisee_lille), ("theirs", franchisee_nice)):
        Lead.objects.create(external_id=external_id, created_at=moment, day=moment.date(), node=node)

    assert list(restrict(Lead.objects.all(), franchisee_user_lille).values_list("external_id", flat=True)) == ["mine"]


def test_granting_twice_keeps_one_user_and_one_role(franchisee_lille):
    first, created = user_grant(email="Bob@Acme.example", role=Role.FRANCHISEE, node=franchisee_lille)
    again, created_again = user_grant(email="bob@acme.example", role=Role.FRANCHISEE, node=franchisee_lille)

    assert (created, created_again, first.pk == again.pk) == (True, False, True)
    assert RoleAssignment.objects.filter(user=first).count() == 1


def test_people_log_in_with_their_email(client, franchisee_user_lille):
    assert client.login(username="lille@acme.example", password=PASSWORD)
    assert not client.login(username="lille@acme.example", password="wrong")
