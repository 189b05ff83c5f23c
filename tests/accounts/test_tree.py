import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.constants import NodeKind
from accounts.models import Node
from accounts.services import node_upsert

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
    nord_est = node_upsert(slug="nord-est", name="Nord-Est", kind=NodeKind.REGION, parent=network)
    node_upsert(slug="metz", name="Metz", kind=NodeKind.FRANCHISEE, parent=nord_est)

    assert set(Node.objects.subtree(region_nord).values_list("slug", flat=True)) == {"nord", "lille", "roubaix"}


def test_ancestors_are_listed_root_first(franchisee_lille):
    assert list(Node.objects.ancestors_of(franchisee_lille).values_list("slug", flat=True)) == ["acme", "nord"]
    assert list(Node.objects.ancestors_of(franchisee_lille, include_self=True).values_list("slug", flat=True)) == [
        "acme",
        "nord",
        "lille",
    ]


def test_moving_a_franchisee_rewrites_its_path(franchisee_lille, region_sud, tree):
    node_upsert(slug="lille", name="Lille", kind=NodeKind.FRANCHISEE, parent=region_sud)

    franchisee_lille.refresh_from_db()
    assert (franchisee_lille.path, franchisee_lille.parent, franchisee_lille.depth) == (
        "/acme/sud/lille/",
        region_sud,
        2,
    )
    assert set(Node.objects.subtree(region_sud).values_list("slug", flat=True)) == {"sud", "nice", "lille"}


def test_moving_a_region_to_another_network_moves_its_whole_subtree(region_nord, tree):
    other = node_upsert(slug="other", name="Other", kind=NodeKind.NETWORK)

    node_upsert(slug="nord", name="Nord", kind=NodeKind.REGION, parent=other)

    assert set(Node.objects.filter(path__startswith="/other/").values_list("path", flat=True)) == {
        "/other/",
        "/other/nord/",
        "/other/nord/lille/",
        "/other/nord/roubaix/",
    }


@pytest.mark.parametrize(
    ("kind", "parent_slug"),
    [(NodeKind.FRANCHISEE, "acme"), (NodeKind.REGION, None), (NodeKind.REGION, "nord"), (NodeKind.NETWORK, "acme")],
)
def test_a_node_under_the_wrong_kind_of_parent_is_refused(tree, kind, parent_slug):
    parent = Node.objects.get(slug=parent_slug) if parent_slug else None

    with pytest.raises(ValidationError):
        node_upsert(slug="new", name="New", kind=kind, parent=parent)
    assert not Node.objects.filter(slug="new").exists()


def test_the_database_refuses_a_network_with_a_parent(network):
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.create(slug="x", name="X", kind=NodeKind.NETWORK, parent=network, path="/acme/x/", depth=1)


def test_the_database_refuses_a_duplicate_slug(network):
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.create(slug="acme", name="Again", kind=NodeKind.NETWORK, path="/acme2/", depth=0)
