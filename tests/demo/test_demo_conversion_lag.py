"""The demo measures its conversion lag as it is built, and its generator's leads give a plausible one.

ingestion.demo_data converts a lead with a probability that grows linearly over its first 21 days, then stays: 90 %
of a cohort's conversions are known at 19 days, so in whole weeks of age the lag is 21 days (the week aged 14-20
has about 81 % of its conversions). Random conversions, and the Sud region's recent leads converting less (its
story), may read a week or two longer; never shorter than 21, nor as long as the 60-day default.
"""

from datetime import date

import pytest

from accounts.models import Node
from dashboard.demo import demo_build
from ingestion.demo_data import NETWORK
from kpis.maturity import conversion_lag, maturity_cutoff
from kpis.models import ConversionLag, ConversionLagBasis

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 4)


def test_a_fresh_demo_has_its_conversion_lag_measured_from_its_history():
    demo_build(seed=42, today=TODAY, months=6)

    network = Node.objects.get(slug=NETWORK["slug"])
    lag = ConversionLag.objects.get(network=network)
    assert (lag.basis, lag.measured_on) == (ConversionLagBasis.MEASURED, TODAY)
    # Six months from 1 July: 157 days of leads, whose oldest third (aged 105 days and more) is the plateau.
    assert (lag.history_days, lag.plateau_from_days) == (157, 105)
    assert 21 <= lag.days <= 35
    assert conversion_lag(network=network) == lag.days
    assert (TODAY - maturity_cutoff(network=network, today=TODAY)).days == lag.days
