"""The franchise tree: materialised paths and depths computed by node_upsert, subtree and ancestor queries, and the
rules on which kind of node hangs under which (in the service and in the database). Moves, which the facts' rollups
follow, are kpis': tests/kpis/test_node_move.py."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import override

from accounts.constants import NodeKind
from accounts.models import Node
from accounts.selectors import network_zone, node_network
from accounts.services import node_upsert
from tests.factories import FranchiseeFactory, NetworkFactory, RegionFactory
from tests.helpers import slugs

pytestmark = pytest.mark.django_db


def test_paths_and_depths_follow_the_tree(tree):
    assert [(n.slug, n.path, n.depth) for n in Node.objects.order_by("path")] == [
        ("acme", "/acme/", 0),
        ("nord", "/acme/nord/", 1),
        ("lille", "/acme/nord/lille/", 2),
        ("roubaix", "/acme/nord/roubaix/", 2),
        ("sud", "/acme/sud/", 1),
        ("nice", "/acme/sud/nice/", 2),
    ]


def test_subtree_is_the_node_and_everything_below_it_only(region_nord, network, tree):
    # A sibling whose slug starts with "nord" must not match the prefix of "nord".
    nord_est = RegionFactory(slug="nord-est", name="Nord-Est", parent=network)
    FranchiseeFactory(slug="metz", name="Metz", parent=nord_est)

    assert set(slugs(Node.objects.subtree(region_nord))) == {"nord", "lille", "roubaix"}
    assert set(slugs(Node.objects.subtree(nord_est))) == {"nord-est", "metz"}


def test_subtree_of_a_franchisee_is_itself(franchisee_lille, tree):
    assert slugs(Node.objects.subtree(franchisee_lille)) == ["lille"]


def test_subtree_of_a_network_holds_none_of_another_network(network, tree):
    other = NetworkFactory(slug="acme-bis", name="Acme bis")
    FranchiseeFactory(slug="bis-shop", parent=RegionFactory(slug="bis-region", parent=other))

    assert set(slugs(Node.objects.subtree(network))) == {"acme", "nord", "sud", "lille", "roubaix", "nice"}


def test_ancestors_are_listed_root_first(franchisee_lille, network):
    assert slugs(Node.objects.ancestors_of(franchisee_lille)) == ["acme", "nord"]
    assert slugs(Node.objects.ancestors_of(franchisee_lille, include_self=True)) == ["acme", "nord", "lille"]
    assert slugs(Node.objects.ancestors_of(network)) == []


def test_node_network_and_zone_come_from_the_root(franchisee_lille, network):
    montreal = NetworkFactory(slug="mtl", timezone="America/Montreal")
    shop = FranchiseeFactory(slug="mtl-shop", parent=RegionFactory(slug="quebec", parent=montreal))

    assert node_network(node=franchisee_lille) == network
    assert node_network(node=network) == network
    # The shop's own time-zone field keeps its default (Paris); its days are cut in its network's zone.
    assert (shop.timezone, str(network_zone(node=shop))) == ("Europe/Paris", "America/Montreal")


def test_upserting_an_existing_node_updates_it_in_place(region_nord, tree):
    again = node_upsert(slug="nord", name="Hauts-de-France", kind=NodeKind.REGION, parent=region_nord.parent)

    assert again.pk == region_nord.pk
    assert (again.name, again.path, again.depth) == ("Hauts-de-France", "/acme/nord/", 1)
    assert Node.objects.count() == 6


def test_a_node_cannot_change_kind(network, franchisee_lille, region_nord):
    with pytest.raises(ValidationError):
        node_upsert(slug="lille", name="Lille", kind=NodeKind.REGION, parent=network)

    franchisee_lille.refresh_from_db()
    assert (franchisee_lille.kind, franchisee_lille.parent) == (NodeKind.FRANCHISEE, region_nord)


@pytest.mark.parametrize(
    ("kind", "parent_slug"),
    [
        (NodeKind.FRANCHISEE, "acme"),
        (NodeKind.FRANCHISEE, "lille"),
        (NodeKind.FRANCHISEE, None),
        (NodeKind.REGION, None),
        (NodeKind.REGION, "nord"),
        (NodeKind.NETWORK, "acme"),
    ],
    ids=["franchisee under a network", "franchisee under a franchisee", "franchisee at the root",
         "region at the root", "region under a region", "network under a network"],
)  # fmt: skip
def test_a_node_under_the_wrong_kind_of_parent_is_refused(tree, kind, parent_slug):
    parent = Node.objects.get(slug=parent_slug) if parent_slug else None

    with pytest.raises(ValidationError):
        node_upsert(slug="new", name="New", kind=kind, parent=parent)
    assert not Node.objects.filter(slug="new").exists()


def test_upserting_a_node_under_another_parent_is_refused_and_moves_nothing(franchisee_lille, region_nord,
                                                                          region_sud, tree):  # fmt: skip
    with override("en"), pytest.raises(ValidationError, match="lille hangs under another node"):
        node_upsert(slug="lille", name="Lille renamed", kind=NodeKind.FRANCHISEE, parent=region_sud)

    franchisee_lille.refresh_from_db()
    assert (franchisee_lille.name, franchisee_lille.path, franchisee_lille.parent) == ("Lille", "/acme/nord/lille/",
                                                                                       region_nord)  # fmt: skip
    assert set(slugs(Node.objects.subtree(region_sud))) == {"sud", "nice"}


def test_the_database_refuses_a_network_with_a_parent(network):
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.create(slug="x", name="X", kind=NodeKind.NETWORK, parent=network, path="/acme/x/", depth=1)


def test_the_database_refuses_a_region_without_a_parent(network):
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.create(slug="x", name="X", kind=NodeKind.REGION, parent=None, path="/x/", depth=0)

    Node.objects.create(slug="y", name="Y", kind=NodeKind.REGION, parent=network, path="/acme/y/", depth=1)


def test_the_database_refuses_a_duplicate_slug(network):
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.create(slug="acme", name="Again", kind=NodeKind.NETWORK, path="/acme2/", depth=0)
