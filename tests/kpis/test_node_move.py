"""Moving a node in the tree: its subtree's paths and depths (accounts) and its figures (the rollups' copies of the
paths, the subtree totals of the old and new ancestors) move together, through node_move, or through node_place
for the callers that may move a node (a nodes.csv row, the admin)."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from accounts.constants import NodeKind
from accounts.models import Node
from accounts.selectors import network_zone
from ingestion.importing import import_file
from kpis.models import DailyRollup, SliceRollup, SubtreeRollup
from kpis.rollups import rollups_refresh
from kpis.services import node_move, node_place
from tests.factories import LeadFactory, NetworkFactory, SaleFactory
from tests.helpers import NODES, slugs, write_csv

pytestmark = pytest.mark.django_db


def test_moving_a_franchisee_to_another_region_rewrites_its_path_and_depth(franchisee_lille, region_nord,
                                                                           region_sud, tree):  # fmt: skip
    moved = node_place(slug="lille", name="Lille", kind=NodeKind.FRANCHISEE, parent=region_sud)

    franchisee_lille.refresh_from_db()
    assert (moved.path, moved.depth, moved.parent) == ("/acme/sud/lille/", 2, region_sud)
    assert (franchisee_lille.path, franchisee_lille.depth, franchisee_lille.parent) == ("/acme/sud/lille/", 2,
                                                                                        region_sud)  # fmt: skip
    assert set(slugs(Node.objects.subtree(region_sud))) == {"sud", "nice", "lille"}
    assert set(slugs(Node.objects.subtree(region_nord))) == {"nord", "roubaix"}
    assert slugs(Node.objects.ancestors_of(franchisee_lille)) == ["acme", "sud"]


def test_moving_a_region_to_another_network_moves_its_whole_subtree(region_nord, tree):
    other = NetworkFactory(slug="other", name="Other", timezone="America/Montreal")

    node_place(slug="nord", name="Nord", kind=NodeKind.REGION, parent=other)

    assert sorted(Node.objects.filter(path__startswith="/other/").values_list("path", "depth")) == [
        ("/other/", 0),
        ("/other/nord/", 1),
        ("/other/nord/lille/", 2),
        ("/other/nord/roubaix/", 2),
    ]
    assert set(slugs(Node.objects.filter(path__startswith="/acme/"))) == {"acme", "sud", "nice"}
    assert str(network_zone(node=Node.objects.get(slug="lille"))) == "America/Montreal"


def test_moving_a_franchisee_directly_under_the_network_is_refused(franchisee_lille, network, region_nord):
    with pytest.raises(ValidationError):
        node_place(slug="lille", name="Lille", kind=NodeKind.FRANCHISEE, parent=network)
    with pytest.raises(ValidationError):
        node_move(node=franchisee_lille, parent=network)

    franchisee_lille.refresh_from_db()
    assert (franchisee_lille.path, franchisee_lille.parent) == ("/acme/nord/lille/", region_nord)


def test_a_node_changing_kind_is_refused_for_that_reason_and_moves_nowhere(franchisee_lille, network, region_nord):
    with override("en"), pytest.raises(ValidationError, match="cannot change kind"):
        node_place(slug="lille", name="Lille", kind=NodeKind.REGION, parent=network)

    franchisee_lille.refresh_from_db()
    assert (franchisee_lille.kind, franchisee_lille.path) == (NodeKind.FRANCHISEE, "/acme/nord/lille/")


def test_a_move_carries_the_nodes_rows_of_every_rollup_and_both_regions_totals(network, franchisee_lille,
                                                                                franchisee_nice, region_nord,
                                                                                region_sud):  # fmt: skip
    SaleFactory(node=franchisee_lille, date=date(2026, 3, 10), revenue=100)
    SaleFactory(node=franchisee_nice, date=date(2026, 3, 10), revenue=900)
    LeadFactory(node=franchisee_lille, created_at=datetime(2026, 3, 10, 9, tzinfo=UTC), source="google")
    rollups_refresh(network=network)

    moved = node_move(node=franchisee_lille, parent=region_sud)

    assert moved.path == "/acme/sud/lille/"
    for model in (DailyRollup, SliceRollup, SubtreeRollup):
        paths = set(model.objects.filter(node=franchisee_lille).values_list("node_path", flat=True))
        assert paths == {"/acme/sud/lille/"}, model.__name__

    def subtree_revenue(node):
        return sum(SubtreeRollup.objects.filter(node=node).values_list("sales_revenue", flat=True))

    assert (subtree_revenue(region_nord), subtree_revenue(region_sud), subtree_revenue(network)) == (0, 1000, 1000)


def test_moving_a_node_where_it_already_hangs_changes_nothing(franchisee_lille, region_nord, monkeypatch):
    def refresh(**kwargs):
        raise AssertionError("no total changed: nothing to refresh")

    monkeypatch.setattr("kpis.services.subtree_rollups_refresh", refresh)

    same = node_move(node=franchisee_lille, parent=region_nord)

    assert (same.path, same.parent) == ("/acme/nord/lille/", region_nord)


def test_a_nodes_file_that_gives_a_franchisee_another_parent_moves_it_and_its_figures(tmp_path, network,
                                                                                       region_nord, region_sud,
                                                                                       franchisee_lille):  # fmt: skip
    SaleFactory(node=franchisee_lille, date=date(2026, 3, 10), revenue=100)
    rollups_refresh(network=network)
    lines = []

    result = import_file(write_csv(tmp_path, "nodes", [dict(NODES[3], parent_slug="sud")]), report=lines.append)

    assert lines == [] and (result.updated, result.rejected) == (1, 0)
    assert Node.objects.get(slug="lille").path == "/acme/sud/lille/"
    assert set(DailyRollup.objects.filter(node=franchisee_lille).values_list("node_path", flat=True)) == {
        "/acme/sud/lille/"
    }
    assert sum(SubtreeRollup.objects.filter(node=region_sud).values_list("sales_revenue", flat=True)) == 100
    assert not SubtreeRollup.objects.filter(node=region_nord, sales_revenue__gt=0).exists()
