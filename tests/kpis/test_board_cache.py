"""The embedded default's cache (no REDIS_URL) is one for every process of the machine: a rollup refresh made by
another process (`manage.py import_facts` from a shell, a sync) reaches this process's next board read, instead of
waiting for the web server to restart.

Each test forces the embedded default's cache on itself and on the process it starts, whatever cache the run has
(CI sets REDIS_URL): this process reads CACHES from config/settings/base.py as it is without REDIS_URL, and the other
process runs `manage.py` as a shell does (config.settings.local) without REDIS_URL. Both are given one CACHE_DIR of
the test's own.
"""

import os
import runpy
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import override_settings

from kpis import board_cache
from kpis.boards import board_read
from kpis.periods import period_containing
from kpis.rollups import rollups_refresh
from tests.helpers import database_url_of

from ..factories import SaleFactory

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 3, 12)


def embedded_default_settings(monkeypatch, **env):
    """The settings of config/settings/base.py as the embedded default makes them: no REDIS_URL, and `env`."""
    with monkeypatch.context() as patch:
        patch.delenv("REDIS_URL", raising=False)
        patch.delenv("CACHE_DIR", raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        return runpy.run_path(str(ROOT / "config" / "settings" / "base.py"))


def manage_in_another_process(*arguments, cache_dir, database_url):
    """`manage.py *arguments` in a process of its own, as someone types it in a shell on the machine: the embedded
    default's settings (no REDIS_URL), on `database_url`."""
    environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    environment.update(CACHE_DIR=str(cache_dir), DATABASE_URL=database_url)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_the_embedded_default_caches_in_files_of_the_project_and_redis_when_it_is_set(monkeypatch):
    embedded = embedded_default_settings(monkeypatch)
    with_redis = embedded_default_settings(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/9")
    elsewhere = embedded_default_settings(monkeypatch, CACHE_DIR="/srv/kpi-cache")

    assert embedded["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert embedded["CACHES"]["default"]["LOCATION"] == str(ROOT / "var" / "cache")
    assert elsewhere["CACHES"]["default"]["LOCATION"] == "/srv/kpi-cache"
    assert with_redis["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert with_redis["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/9"


def test_figures_cached_here_are_dropped_when_another_process_refreshes_the_network(tmp_path, monkeypatch):
    """No database needed (it runs on SQLite too): the other process replaces the network's version, as every rollup
    refresh does, and this process's cached figures are gone."""
    cache_dir = tmp_path / "cache"
    network = SimpleNamespace(pk=424242, created_at=datetime(2026, 3, 1, 8, 30, tzinfo=UTC))
    invalidate = (
        "from types import SimpleNamespace; from datetime import UTC, datetime; "
        "from kpis.board_cache import network_invalidate; "
        "network_invalidate(SimpleNamespace(pk=424242, created_at=datetime(2026, 3, 1, 8, 30, tzinfo=UTC)))"
    )
    with override_settings(CACHES=embedded_default_settings(monkeypatch, CACHE_DIR=str(cache_dir))["CACHES"]):
        assert board_cache.cached(network=network, parts=("totals", 1), compute=lambda: "before") == "before"
        assert board_cache.cached(network=network, parts=("totals", 1), compute=lambda: "after") == "before"

        result = manage_in_another_process("shell", "-c", invalidate, cache_dir=cache_dir,
                                           database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}")  # fmt: skip
        assert result.returncode == 0, result.stderr

        assert board_cache.cached(network=network, parts=("totals", 1), compute=lambda: "after") == "after"


def revenue_on_the_board(user, node):
    data = board_read(user=user, node=node, keys=["sales_revenue"], period=period_containing("month", TODAY),
                      today=TODAY)  # fmt: skip
    return data.tiles[0].report.current.value


@pytest.mark.django_db(transaction=True)
def test_a_sale_imported_from_a_shell_is_on_the_board_at_the_next_read(
    tmp_path, monkeypatch, network, franchisee_lille, executive
):
    if connection.vendor != "postgresql":
        pytest.skip("the other process must share the test database: PostgreSQL only (SQLite's is in memory)")
    cache_dir = tmp_path / "cache"
    SaleFactory(node=franchisee_lille, date=date(2026, 3, 2), revenue=Decimal("100.00"))
    rollups_refresh(network=network)
    sales = tmp_path / "sales.csv"
    sales.write_text("date,node_slug,orders,units,revenue,new_customers\n2026-03-05,lille,1,1,1000.00,1\n")
    with override_settings(CACHES=embedded_default_settings(monkeypatch, CACHE_DIR=str(cache_dir))["CACHES"]):
        assert revenue_on_the_board(executive, network) == 100  # now in the cache

        result = manage_in_another_process("import_facts", str(sales), cache_dir=cache_dir,
                                           database_url=database_url_of(connection.settings_dict))  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "created 1" in result.stdout, result.stdout

        assert revenue_on_the_board(executive, network) == 1100
