"""audience(node), the other side of the door: a person is in a node's audience exactly when the node is among the
nodes they may see."""

import pytest

from accounts.constants import NodeKind, Role
from accounts.models import Node, User
from accounts.scoping import audience, visible_nodes
from accounts.services import node_upsert, user_grant
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree, network, region_nord, franchisee_lille, franchisee_nice):
    rival = node_upsert(slug="rival", name="Rival", kind=NodeKind.NETWORK)
    grants = [
        ("admin@acme.example", Role.FRANCHISOR_ADMIN, region_nord),  # network-wide, though granted lower down
        ("ceo@acme.example", Role.EXECUTIVE, network),
        ("mkt@acme.example", Role.MARKETING_MANAGER, region_nord),
        ("nord@acme.example", Role.REGION_MANAGER, region_nord),
        ("lille@acme.example", Role.FRANCHISEE, franchisee_lille),
        ("two@acme.example", Role.FRANCHISEE, franchisee_nice),
        ("two@acme.example", Role.EXECUTIVE, rival),
        ("boss@rival.example", Role.FRANCHISOR_ADMIN, rival),
    ]
    for email, role, node in grants:
        user_grant(email=email, role=role, node=node)
    UserFactory(email="root@example.com", is_superuser=True)
    UserFactory(email="nobody@example.com")
    gone = user_grant(email="gone@acme.example", role=Role.FRANCHISOR_ADMIN, node=network)[0]
    User.objects.filter(pk=gone.pk).update(is_active=False)


def test_audience_is_the_inverse_of_visible_nodes(people):
    for node in Node.objects.all():
        expected = {user.email for user in User.objects.all() if visible_nodes(user).filter(pk=node.pk).exists()}
        assert set(audience(node).values_list("email", flat=True)) == expected, node.slug


def test_read_only_roles_are_no_writers(people):
    lille, rival = Node.objects.get(slug="lille"), Node.objects.get(slug="rival")

    assert "ceo@acme.example" not in set(audience(lille, writers_only=True).values_list("email", flat=True))
    assert {"lille@acme.example", "nord@acme.example", "mkt@acme.example", "admin@acme.example"} <= set(
        audience(lille, writers_only=True).values_list("email", flat=True)
    )
    assert "two@acme.example" not in set(audience(rival, writers_only=True).values_list("email", flat=True))
