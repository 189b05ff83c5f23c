"""The one door (accounts.scoping): which nodes and which facts each person may read."""

import contextlib
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.constants import NodeKind, Role
from accounts.models import AuditEvent, Node, RoleAssignment, User
from accounts.scoping import restrict, top_nodes, visible_nodes
from accounts.services import node_upsert, role_revoke, user_grant
from kpis.models import Campaign, Conversation, Lead, Sale
from kpis.rollups import rollups_refresh
from kpis.selectors import rollup_rows
from kpis.services import node_move
from tests.factories import (
    CampaignFactory,
    ConversationFactory,
    FranchiseeFactory,
    LeadFactory,
    NetworkFactory,
    RegionFactory,
    RoleAssignmentFactory,
    SaleFactory,
    UserFactory,
)
from tests.helpers import PASSWORD, slugs

pytestmark = pytest.mark.django_db

ACME = {"acme", "nord", "sud", "lille", "roubaix", "nice"}
MOMENT = datetime(2026, 3, 10, 9, tzinfo=UTC)


def external_ids(queryset):
    return set(queryset.values_list("external_id", flat=True))


@pytest.fixture
def rival(db):
    """Another network, with a shop of its own: nobody at Acme may see any of it."""
    network = NetworkFactory(slug="rival", name="Rival")
    FranchiseeFactory(slug="rival-shop", parent=RegionFactory(slug="rival-region", parent=network))
    return network


@pytest.fixture
def leads(tree, franchisee_lille, franchisee_roubaix, franchisee_nice, rival):
    """One lead in every franchisee of both networks, named after its node."""
    for node in (franchisee_lille, franchisee_roubaix, franchisee_nice, Node.objects.get(slug="rival-shop")):
        LeadFactory(external_id=f"lead-{node.slug}", node=node, created_at=MOMENT)


@pytest.mark.parametrize("role", [Role.FRANCHISOR_ADMIN, Role.EXECUTIVE])
@pytest.mark.parametrize("granted_on", ["acme", "nord", "lille"])
def test_franchisor_admin_and_executive_see_the_whole_network_wherever_granted(tree, rival, role, granted_on):
    user = RoleAssignmentFactory(role=role, node=Node.objects.get(slug=granted_on)).user

    assert set(slugs(visible_nodes(user))) == ACME
    assert set(slugs(top_nodes(user))) == {"acme"}


def test_franchisor_and_executive_fixtures_see_their_network_and_not_another(franchisor, executive, rival):
    assert set(slugs(visible_nodes(franchisor))) == ACME
    assert set(slugs(visible_nodes(executive))) == ACME


def test_region_manager_sees_their_region_only(region_manager_nord, rival):
    assert set(slugs(visible_nodes(region_manager_nord))) == {"nord", "lille", "roubaix"}
    assert set(slugs(top_nodes(region_manager_nord))) == {"nord"}


def test_marketing_manager_sees_the_subtree_of_their_node(region_nord, tree):
    user = RoleAssignmentFactory(role=Role.MARKETING_MANAGER, node=region_nord).user

    assert set(slugs(visible_nodes(user))) == {"nord", "lille", "roubaix"}


def test_franchisee_sees_their_own_node_only(franchisee_user_lille):
    assert set(slugs(visible_nodes(franchisee_user_lille))) == {"lille"}
    assert set(slugs(top_nodes(franchisee_user_lille))) == {"lille"}


def test_a_franchisee_of_two_locations_sees_both(franchisee_lille, franchisee_nice):
    owner = user_grant(email="two@acme.example", role=Role.FRANCHISEE, node=franchisee_lille)[0]
    user_grant(email="two@acme.example", role=Role.FRANCHISEE, node=franchisee_nice)

    assert set(slugs(visible_nodes(owner))) == {"lille", "nice"}


def test_a_role_on_a_region_and_one_below_it_is_the_region(region_nord, franchisee_lille, tree):
    user = RoleAssignmentFactory(role=Role.REGION_MANAGER, node=region_nord).user
    RoleAssignmentFactory(user=user, role=Role.FRANCHISEE, node=franchisee_lille)

    assert set(slugs(visible_nodes(user))) == {"nord", "lille", "roubaix"}
    assert set(slugs(top_nodes(user))) == {"nord"}


def test_a_user_without_a_role_sees_nothing(tree):
    nobody = UserFactory()

    assert set(slugs(visible_nodes(nobody))) == set()
    assert set(slugs(top_nodes(nobody))) == set()


def test_an_inactive_user_sees_nothing_despite_their_roles(franchisor, franchisee_user_lille):
    for user in (franchisor, franchisee_user_lille):
        assert set(slugs(visible_nodes(user)))
        user.is_active = False
        user.save()

        assert set(slugs(visible_nodes(user))) == set()


def test_an_anonymous_visitor_sees_nothing(tree):
    assert set(slugs(visible_nodes(AnonymousUser()))) == set()


def test_superuser_sees_every_network(tree, rival):
    root = User.objects.create_superuser(email="root@example.com", password=PASSWORD)

    assert set(slugs(visible_nodes(root))) == ACME | {"rival", "rival-region", "rival-shop"}
    assert set(slugs(top_nodes(root))) == {"acme", "rival"}


def test_franchisee_cannot_read_other_franchisee_leads(franchisee_user_lille, leads):
    assert external_ids(restrict(Lead.objects.all(), franchisee_user_lille)) == {"lead-lille"}


def test_region_manager_cannot_read_leads_of_another_region(region_manager_nord, leads):
    assert external_ids(restrict(Lead.objects.all(), region_manager_nord)) == {"lead-lille", "lead-roubaix"}


def test_franchisor_cannot_read_leads_of_another_network(franchisor, leads):
    assert external_ids(restrict(Lead.objects.all(), franchisor)) == {"lead-lille", "lead-roubaix", "lead-nice"}


def test_restrict_narrows_a_queryset_that_is_already_filtered(franchisee_user_lille, leads):
    wanted = Lead.objects.filter(external_id__in=["lead-lille", "lead-nice"])

    assert external_ids(restrict(wanted, franchisee_user_lille)) == {"lead-lille"}


def test_people_without_access_read_no_leads(tree, leads, franchisee_user_lille):
    franchisee_user_lille.is_active = False
    franchisee_user_lille.save()

    for user in (UserFactory(), AnonymousUser(), franchisee_user_lille):
        assert not restrict(Lead.objects.all(), user).exists()


def test_franchisee_cannot_read_other_franchisee_campaigns_conversations_or_sales(
    franchisee_user_lille, franchisee_lille, franchisee_nice, region_nord
):
    for node in (franchisee_lille, franchisee_nice):
        CampaignFactory(external_id=f"campaign-{node.slug}", node=node)
        ConversationFactory(external_id=f"conversation-{node.slug}", node=node, started_at=MOMENT)
        SaleFactory(node=node, date=date(2026, 3, 10))
    CampaignFactory(external_id="campaign-nord", node=region_nord)  # a region's shared campaign

    assert external_ids(restrict(Campaign.objects.all(), franchisee_user_lille)) == {"campaign-lille"}
    assert external_ids(restrict(Conversation.objects.all(), franchisee_user_lille)) == {"conversation-lille"}
    assert set(restrict(Sale.objects.all(), franchisee_user_lille).values_list("node__slug", flat=True)) == {"lille"}


def test_rollup_rows_hold_no_other_subtree(network, franchisee_lille, franchisee_nice, region_manager_nord):
    SaleFactory(node=franchisee_lille, date=date(2026, 3, 10), revenue=100)
    SaleFactory(node=franchisee_nice, date=date(2026, 3, 10), revenue=900)
    rollups_refresh(network=network)

    visible = rollup_rows(user=region_manager_nord)

    assert set(visible.values_list("node__slug", flat=True)) == {"lille"}
    assert sum(r.sales_revenue for r in visible) == 100


def test_a_revoked_role_shrinks_the_scope_at_once(region_manager_nord, franchisor):
    assert set(slugs(visible_nodes(region_manager_nord))) == {"nord", "lille", "roubaix"}

    role_revoke(assignment=region_manager_nord.role_assignments.get(), acting_user=franchisor)

    assert set(slugs(visible_nodes(region_manager_nord))) == set()


def test_granting_creates_the_user_once_and_is_idempotent(franchisee_lille):
    first, created = user_grant(email="Bob@Acme.example", role=Role.FRANCHISEE, node=franchisee_lille)
    again, created_again = user_grant(email=" bob@acme.example ", role=Role.FRANCHISEE, node=franchisee_lille)

    assert (created, created_again, first.pk == again.pk, first.email) == (True, False, True, "bob@acme.example")
    assert User.objects.filter(email__iexact="bob@acme.example").count() == 1
    assert RoleAssignment.objects.filter(user=first).count() == 1
    assert AuditEvent.objects.filter(details__email="bob@acme.example").count() == 1


def test_a_second_role_for_the_same_person_is_another_assignment(franchisee_lille, region_nord):
    user, _ = user_grant(email="bob@acme.example", role=Role.FRANCHISEE, node=franchisee_lille)
    user_grant(email="bob@acme.example", role=Role.REGION_MANAGER, node=region_nord)

    assert set(user.role_assignments.values_list("role", "node__slug")) == {
        (Role.FRANCHISEE, "lille"),
        (Role.REGION_MANAGER, "nord"),
    }


def test_granting_an_unknown_role_is_refused(franchisee_lille):
    with pytest.raises(ValueError):
        user_grant(email="bob@acme.example", role="owner", node=franchisee_lille)

    assert not User.objects.filter(email="bob@acme.example").exists()


def test_the_database_refuses_a_duplicate_role_assignment(franchisee_user_lille, franchisee_lille):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=franchisee_user_lille, node=franchisee_lille, role=Role.FRANCHISEE)


def test_people_log_in_with_their_email(client, franchisee_user_lille):
    assert client.login(username="lille@acme.example", password=PASSWORD)
    assert client.get("/").status_code == 200


def test_a_wrong_password_or_unknown_email_does_not_log_in(client, franchisee_user_lille):
    assert not client.login(username="lille@acme.example", password="wrong")
    assert not client.login(username="nobody@acme.example", password=PASSWORD)


def test_a_new_password_given_to_an_existing_person_replaces_the_old_one(client, franchisee_user_lille,
                                                                         franchisee_nice):  # fmt: skip
    user_grant(email="lille@acme.example", role=Role.FRANCHISEE, node=franchisee_nice, password="another-secret-42")

    assert not client.login(username="lille@acme.example", password=PASSWORD)
    assert client.login(username="lille@acme.example", password="another-secret-42")


def test_region_manager_does_not_see_a_region_whose_slug_differs_only_in_case(region_manager_nord, network):
    with contextlib.suppress(ValidationError):  # refusing an upper-case slug is a fine answer too
        upper = node_upsert(slug="NORD", name="Nord majuscule", kind=NodeKind.REGION, parent=network)
        FranchiseeFactory(slug="secret-shop", name="Secret", parent=upper)

    assert set(slugs(visible_nodes(region_manager_nord))) == {"nord", "lille", "roubaix"}


def test_after_a_move_the_old_region_no_longer_reads_the_moved_franchisees_figures(
    network, franchisee_lille, region_sud, region_manager_nord
):
    SaleFactory(node=franchisee_lille, date=date(2026, 3, 10), revenue=100)
    rollups_refresh(network=network)
    manager_sud = RoleAssignmentFactory(role=Role.REGION_MANAGER, node=region_sud).user

    node_move(node=franchisee_lille, parent=region_sud)

    assert not rollup_rows(user=region_manager_nord).exists()
    assert sum(r.sales_revenue for r in rollup_rows(user=manager_sud)) == 100


def test_a_persons_scope_is_read_once_per_request_and_follows_a_grant(tree, region_nord, franchisee_nice,
                                                                      django_assert_num_queries):  # fmt: skip
    user = RoleAssignmentFactory(role=Role.REGION_MANAGER, node=region_nord).user
    user = User.objects.get(pk=user.pk)  # as a request would load them

    with django_assert_num_queries(3):  # the roles once, then the nodes twice
        first, second = list(visible_nodes(user)), list(visible_nodes(user))
    assert {n.slug for n in first} == {n.slug for n in second} == {"nord", "lille", "roubaix"}

    granted, _created = user_grant(email=user.email, role=Role.FRANCHISEE, node=franchisee_nice)
    assert set(slugs(visible_nodes(granted))) == {"nord", "lille", "roubaix", "nice"}
    assert set(slugs(visible_nodes(User.objects.get(pk=user.pk)))) == {"nord", "lille", "roubaix", "nice"}
