"""The scale benchmark (`manage.py bench`): a large network built on PostgreSQL, then, in one run, the board's
speed against its targets and against the straightforward way, the CSV import against a bare COPY, and one
day's rollup refresh.

Only the `bench` network (slug "bench", franchisees "bench-f0001"...) and the people "...@bench.invalid" are
ever written or deleted: every statement is narrowed to that network's path. A run rebuilds the network from
scratch unless `reuse` is given and the network was built with the same scale and seed; then the bulk load and
the full rollup build are skipped, and only what a run adds (the imported leads, the extra day) is replaced.
"""

import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import django
from django.db import connection, transaction

from accounts.models import Node, in_subtree
from kpis.models import Campaign, Conversation, DailyMetric, DailyRollup, Lead, Sale, SliceRollup, SubtreeRollup
from kpis.periods import PeriodKind, period_containing
from kpis.rollups import rollups_refresh
from kpis.services import objective_set

from . import measure
from .generate import NETWORK_SLUG, SCALES, NetworkBuilder, Progress, bench_network_delete, network_name
from .report import targets_checked


class BenchError(Exception):
    """The benchmark cannot run here, or what it measured is not comparable (the baseline disagrees)."""


def _machine():
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('shared_buffers'), current_setting('work_mem')")
        version, shared_buffers, work_mem = cursor.fetchone()
    memory = None
    if Path("/proc/meminfo").exists():
        first = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()
        memory = round(int(first[1]) / 1024 / 1024, 1)
    return {"cpus": os.cpu_count(), "memory_gb": memory, "platform": platform.platform(),
            "python": platform.python_version(), "django": django.get_version(), "postgresql": version,
            "shared_buffers": shared_buffers, "work_mem": work_mem}  # fmt: skip


def _fast_load():
    """Skip foreign-key triggers for the rest of the transaction, as pg_restore --disable-triggers does: the
    generated rows are consistent by construction, and checking 30 million references one by one would double the
    load. Needs a superuser; without one the checks simply run."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except django.db.DatabaseError:
        pass


def _objectives(builder, people_nodes, day):
    """A few targets on each measured node for the month, so that the board computes progress and pace."""
    month = period_containing(PeriodKind.MONTH, day)
    for node in people_nodes:
        for kpi, target in (("sales_revenue", "150000"), ("leads", "900"), ("cpl", "35")):
            objective_set(kpi=kpi, node=node, period=month, target=target)


def _build(builder, scale, stream):
    began = time.monotonic()
    bench_network_delete()
    with transaction.atomic():
        _fast_load()
        network, people = builder.build_nodes()
        builder.phase("campaigns")
        builder.build_campaigns()
        builder.phase("metrics")
        builder.build_metrics(scale.all_days)
        builder.phase("facts")
        builder.build_people_facts(scale.all_days, leads=scale.leads, conversations=scale.conversations, prefix="b",
                                   imported=builder.import_share())  # fmt: skip
        _objectives(builder, [builder.network, builder.regions[0], builder.franchisees[0]], scale.last_day)
    load_seconds = time.monotonic() - began
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_node, kpis_campaign, kpis_dailymetric, kpis_lead, kpis_conversation, "
                       "kpis_sale")  # fmt: skip
    stream.write("  building the rollups of every day (one full refresh)…\n")
    began = time.monotonic()
    rollups_refresh(network=network)
    rollup_seconds = time.monotonic() - began
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE kpis_dailyrollup, kpis_slicerollup, kpis_subtreerollup")
    return network, people, {"load_s": round(load_seconds, 1), "rollups_full_refresh_s": round(rollup_seconds, 1)}


FORGET_LAST_RUN = [
    "DELETE FROM kpis_conversation WHERE day >= %s AND node_id IN (SELECT id FROM accounts_node WHERE path LIKE %s)",
    "DELETE FROM kpis_lead WHERE (day >= %s OR external_id LIKE 'bi%%') "
    "AND node_id IN (SELECT id FROM accounts_node WHERE path LIKE %s)",
    "DELETE FROM kpis_sale WHERE date >= %s AND node_id IN (SELECT id FROM accounts_node WHERE path LIKE %s)",
    "DELETE FROM kpis_dailymetric WHERE date >= %s AND campaign_id IN "
    "(SELECT c.id FROM kpis_campaign c JOIN accounts_node n ON n.id = c.node_id WHERE n.path LIKE %s)",
]


def _forget_last_run(network, scale):
    """Before a reused network is measured again: remove what the previous run added (its imported leads and the
    extra day), narrowed to the bench network. Plain SQL: the ORM's delete would first load every row."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            for statement in FORGET_LAST_RUN:
                cursor.execute(statement, [measure.next_day(scale), network.path + "%"])
            # Where autovacuum is off (as on this project's machine), a reused network may have no statistics yet.
            cursor.execute("ANALYZE accounts_node")
        # The import that follows adds its leads to the rollups as they stand: they must first be those of the
        # facts without them (and the extra day, which the board's month reaches, without its facts).
        rollups_refresh(network=network, days={*scale.import_window, measure.next_day(scale)})


def _counts(network):
    """Rows of each table under the bench network."""
    under = network.path
    return {
        "nodes": Node.objects.subtree(under).count(),
        "campaigns": Campaign.objects.filter(in_subtree(under)).count(),
        "daily_metrics": DailyMetric.objects.filter(in_subtree(under, via="campaign__node")).count(),
        "leads": Lead.objects.filter(in_subtree(under)).count(),
        "conversations": Conversation.objects.filter(in_subtree(under)).count(),
        "sales": Sale.objects.filter(in_subtree(under)).count(),
        "daily_rollups": DailyRollup.objects.filter(in_subtree(under, via="node_path")).count(),
        "slice_rollups": SliceRollup.objects.filter(in_subtree(under, via="node_path")).count(),
        "subtree_rollups": SubtreeRollup.objects.filter(in_subtree(under, via="node_path")).count(),
    }


def bench_run(*, scale, seed=42, reuse=False, stream=sys.stderr):
    """Build (or reuse) the bench network at `scale` ("tiny", "medium" or "full"), measure everything, and return
    the results as a JSON-ready dict. Progress goes to `stream`. Raises BenchError off PostgreSQL, or when the
    baseline and the board disagree (the results are returned on the exception as `results`)."""
    if connection.vendor != "postgresql":
        raise BenchError(f"The benchmark needs PostgreSQL (it loads with COPY); this database is "
                         f"{connection.vendor}. Set DATABASE_URL to a PostgreSQL database of its own.")  # fmt: skip
    scale = SCALES[scale]
    builder = NetworkBuilder(scale=scale, seed=seed, progress=Progress(stream))
    existing = Node.objects.filter(slug=NETWORK_SLUG).first()
    results = {"scale": scale.name, "seed": seed, "machine": _machine(), "last_day": scale.last_day.isoformat()}
    if reuse and existing is not None and existing.name == network_name(scale, seed):
        stream.write(f"Reusing the bench network ({scale.name}, seed {seed}).\n")
        network, people = builder.load_nodes()
        builder.load_campaigns()
        _forget_last_run(network, scale)
        results["build"] = {"reused": True}
    else:
        stream.write(f"Building the bench network ({scale.name}, seed {seed}) with COPY…\n")
        network, people, build = _build(builder, scale, stream)
        results["build"] = {"reused": False, **build}

    workdir = Path(tempfile.mkdtemp(prefix="kpi-bench-"))
    try:
        path = workdir / "leads.csv"
        builder.phase("import")
        rows = builder.write_leads_csv(path)
        stream.write(f"  bare COPY of {rows:,} leads into an unindexed table…\n")
        copy_seconds = measure.bare_copy(path)
        stream.write(f"  importing {rows:,} leads through ingestion.importing.import_file, then again…\n")
        import_seconds, reimport_seconds = measure.import_measure(path, rows)
        stream.write(f"  the same {rows:,} rows inserted into the lead table alone, then rolled back…\n")
        table_seconds = measure.lead_table_insert(path, rows)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    # The import added its new leads to the rollups; a full refresh of their days must leave the same rows (and
    # shows what the import saved).
    window = set(scale.import_window)
    added = measure.rollups_fingerprint(network=network, days=window)
    began = time.perf_counter()
    rollups_refresh(network=network, days=window)
    refresh_seconds = time.perf_counter() - began
    refreshed = measure.rollups_fingerprint(network=network, days=window)
    results["import"] = {
        "rows": rows, "days": scale.import_days,
        "bare_copy": {"seconds": round(copy_seconds, 2), "rows_per_s": round(rows / copy_seconds)},
        "import": {"seconds": round(import_seconds, 2), "rows_per_s": round(rows / import_seconds)},
        "reimport": {"seconds": round(reimport_seconds, 2), "rows_per_s": round(rows / reimport_seconds)},
        "lead_table_insert": {"seconds": round(table_seconds, 2), "rows_per_s": round(rows / table_seconds)},
    }  # fmt: skip
    results["import"]["times_bare_copy"] = round(import_seconds / copy_seconds, 1)
    results["import"]["times_lead_table_insert"] = round(import_seconds / table_seconds, 1)
    results["import"]["rollups_refresh_of_its_days_s"] = round(refresh_seconds, 2)
    results["import"]["rollups_added_equal_full_refresh"] = added == refreshed

    results["board"] = {}
    nodes = {"network": builder.network, "region": builder.regions[0], "franchisee": builder.franchisees[0]}
    for level, node in nodes.items():
        stream.write(f"  board of the {level} ({node.slug}): cold, warm, baseline…\n")
        request = measure.BoardRequest(user=people[level], node=node, today=scale.last_day)
        results["board"][level] = measure.board_measure(
            request, network=network, warm_runs=scale.warm_runs, cold_runs=scale.cold_runs,
            baseline_runs=scale.baseline_runs,
        )  # fmt: skip

    day = measure.next_day(scale)
    stream.write(f"  one more day of facts ({day}), then its rollup refresh…\n")
    builder.phase("day")
    with transaction.atomic():
        new_rows = builder.build_metrics([day])
        facts = builder.build_people_facts([day], leads=scale.leads // scale.days,
                                           conversations=scale.conversations // scale.days, prefix="d")  # fmt: skip
    seconds, written = measure.day_refresh_measure(network=network, day=day)
    results["day_refresh"] = {"day": day.isoformat(), "facts": new_rows + sum(facts.values()),
                              "rollup_rows_written": written, "seconds": measure.timings(seconds)}  # fmt: skip
    results["sizes"] = _counts(network)
    results["targets"] = targets_checked(results)
    results["agree"] = (all(b["agree"] for b in results["board"].values())
                        and results["import"]["rollups_added_equal_full_refresh"])  # fmt: skip
    if not results["agree"]:
        error = BenchError("The baseline and the board disagree, or the rollups the import added differ from a full "
                           "refresh: " + "; ".join(f"{level}: {', '.join(b['mismatches'][:5])}"
                                                   for level, b in results["board"].items() if not b["agree"]))
        error.results = results
        raise error
    return results
