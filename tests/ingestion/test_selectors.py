"""A node's data freshness (ingestion.selectors.data_freshness): when its branch's sources last synced, whether the
last run failed and which sources, stale after 26 hours, read from the node's own branch only."""

from datetime import UTC, datetime

import pytest

from ingestion.constants import SyncStatus
from ingestion.selectors import data_freshness
from ingestion.services import source_register
from tests.helpers import finished_run

pytestmark = pytest.mark.django_db


def test_freshness_is_stale_after_26_hours_and_reads_only_the_nodes_branch(franchisee_lille, franchisee_nice, network,
                                                                            drop_lille):  # fmt: skip
    finished_run(drop_lille, SyncStatus.SUCCEEDED, hours_ago=27)
    nice_source = source_register(slug="drop-nice", kind="csv", node=franchisee_nice, config={"folder": "/srv/n"})[0]
    finished_run(nice_source, SyncStatus.FAILED, hours_ago=1, error="boom")

    lille, nice, whole = (data_freshness(node=n) for n in (franchisee_lille, franchisee_nice, network))

    assert lille.stale and not lille.last_run_failed  # Nice's failure is not Lille's business
    assert nice.last_run_failed and nice.stale and nice.last_success_at is None
    assert whole.failing_sources == ("drop-nice",) and whole.last_success_at.tzinfo is not None
    assert not data_freshness(node=network, now=datetime(2000, 1, 1, tzinfo=UTC)).stale


def test_a_node_without_sources_shows_no_freshness(franchisee_roubaix):
    assert data_freshness(node=franchisee_roubaix).has_sources is False
