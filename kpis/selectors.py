"""Reads for a person. Every read starts from accounts.scoping.restrict, the one door."""

from accounts.models import Node
from accounts.scoping import restrict
from accounts.selectors import node_network

from .engine import json_number, kpi_payload, kpi_peer_distribution, kpi_reports
from .models import DailyRollup, Objective, SliceRollup


def rollup_rows(*, user):
    """The rollup rows `user` may read: the input of every KPI value shown to a person."""
    return restrict(DailyRollup.objects.all(), user, path_field="node_path")


def slice_rows(*, user):
    """The drill-dimension rollups `user` may read (source / medium, segment, score band, hour)."""
    return restrict(SliceRollup.objects.all(), user, path_field="node_path")


def dangerously_unscoped_rollup_rows():
    """Every rollup row, for operators' command-line tools that act for the whole installation."""
    return DailyRollup.objects.all()


def objective_target(*, kpi, node, period):
    """The target set for exactly this KPI, node and period, if any."""
    return (
        Objective.objects.filter(kpi=kpi, node=node, start=period.start, end=period.end)
        .values_list("target", flat=True)
        .first()
    )


def kpi_value_payload(*, rows, key, node, period):
    """The contract's KPI value JSON for `key` on `node` over `period`, read from `rows`."""
    report = kpi_reports(rows=rows, node=node, keys=[key], period=period)[key]
    return kpi_payload(report=report, node=node, target=objective_target(kpi=key, node=node, period=period))


def peer_comparison_payload(*, node, key, period, rows):
    """`node`'s value of `key` (from the caller's `rows`) beside the anonymised spread of the network's nodes of
    the same kind. The spread is read across the whole network on purpose: only quartiles leave this function."""
    network = node_network(node=node)
    peer_paths = list(Node.objects.filter(path__startswith=network.path, kind=node.kind).values_list("path", flat=True))
    spread = kpi_peer_distribution(
        rows=dangerously_unscoped_rollup_rows(), network=network, key=key, period=period, franchisee_paths=peer_paths
    )
    own = kpi_reports(rows=rows, node=node, keys=[key], period=period)[key].current
    return {
        "key": key, "node": node.slug, "start": period.start.isoformat(), "end": period.end.isoformat(),
        "value": json_number(own.value), "peers": spread.peers, "q1": json_number(spread.q1),
        "median": json_number(spread.median), "q3": json_number(spread.q3),
    }  # fmt: skip
