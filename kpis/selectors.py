"""Reads for a person. Every read starts from accounts.scoping.restrict, the one door."""

from accounts.scoping import restrict

from .engine import kpi_payload, kpi_reports
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
