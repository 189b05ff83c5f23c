"""The scale benchmark at its tiny scale: it runs to the end, writes the results it promises, and the board's
figures agree with the straightforward computation. Timings are reported, never asserted."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Node
from kpis.models import Lead

pytestmark = pytest.mark.django_db(transaction=True)
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench loads with COPY")
TIMING = {"n", "p50", "p95", "min", "max"}


@on_postgresql
def test_bench_tiny_writes_every_result_and_the_baseline_agrees_with_the_board(tmp_path, network, capsys):
    out = tmp_path / "bench.json"

    call_command("bench", scale="tiny", out=str(out))

    results = json.loads(out.read_text())
    assert results["scale"] == "tiny" and results["agree"] is True
    assert {"cpus", "memory_gb", "postgresql"} <= set(results["machine"])
    for level in ("network", "region", "franchisee"):
        board = results["board"][level]
        assert board["agree"] is True and board["mismatches"] == [] and board["values_compared"] > 300
        for kind in ("cold_ms", "warm_ms", "baseline_ms"):
            assert set(board[kind]) == TIMING and board[kind]["n"] >= 1
    imported = results["import"]
    assert imported["rows"] > 0 and {"bare_copy", "import", "reimport", "lead_table_insert"} <= set(imported)
    assert not Lead.objects.filter(external_id__endswith="-floor").exists()  # the floor's insert was rolled back
    assert imported["rollups_added_equal_full_refresh"] is True
    assert set(results["day_refresh"]["seconds"]) == TIMING and results["day_refresh"]["facts"] > 0
    assert {t["name"].split(",")[0] for t in results["targets"]} >= {"board p95 warm", "board p95 cold"}
    assert all(isinstance(t["passed"], bool) for t in results["targets"])
    assert results["sizes"]["leads"] == Lead.objects.filter(node__path__startswith="/bench/").count() > 0
    assert "| network (bench) |" in capsys.readouterr().out


@on_postgresql
def test_bench_touches_no_other_network_and_rebuilds_its_own(network, franchisee_lille, tmp_path):
    from tests.factories import LeadFactory

    LeadFactory(node=franchisee_lille)
    call_command("bench", scale="tiny", out=str(tmp_path / "first.json"))
    first = json.loads((tmp_path / "first.json").read_text())

    call_command("bench", scale="tiny", out=str(tmp_path / "again.json"))
    again = json.loads((tmp_path / "again.json").read_text())

    assert Lead.objects.filter(node=franchisee_lille).count() == 1 and Node.objects.filter(slug="acme").exists()
    assert again["sizes"] == first["sizes"]  # the same seed gives the same network


@on_postgresql
def test_bench_reuse_keeps_the_network_and_measures_again(tmp_path):
    call_command("bench", scale="tiny", out=str(tmp_path / "first.json"))
    first = json.loads((tmp_path / "first.json").read_text())

    call_command("bench", scale="tiny", reuse=True, out=str(tmp_path / "reused.json"))
    reused = json.loads((tmp_path / "reused.json").read_text())

    assert reused["build"] == {"reused": True} and reused["agree"] is True
    assert reused["sizes"] == first["sizes"]


def test_bench_with_an_unknown_scale_is_refused():
    with pytest.raises(CommandError):
        call_command("bench", "--scale", "huge")


@pytest.mark.skipif(connection.vendor == "postgresql", reason="about the databases the benchmark refuses")
def test_bench_refuses_another_database_than_postgresql_and_says_why():
    with pytest.raises(CommandError, match="needs PostgreSQL.*sqlite"):
        call_command("bench", scale="tiny")
