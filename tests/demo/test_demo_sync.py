"""On the demo, its facts come in as any source's do: the demo connector's run through the sync pipeline, again and
again without a duplicate."""

from datetime import date

import pytest

from dashboard.demo import DEMO_SOURCE, demo_build
from ingestion.constants import SyncStatus
from kpis.models import DailyRollup, Lead

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 12)


def test_the_demo_source_replaces_the_demo_network_facts_through_the_pipeline():
    _logins, _counts, run = demo_build(seed=3, today=TODAY, months=1)
    leads = Lead.objects.count()
    again = demo_build(seed=3, today=TODAY, months=1)[2]

    assert run.status == SyncStatus.SUCCEEDED and run.source.slug == DEMO_SOURCE and run.created > 1000
    assert again.created == run.created and Lead.objects.count() == leads
    assert DailyRollup.objects.filter(leads__gt=0).exists()
