"""The conversion lag: measured from hand-made cohorts whose conversions arrive at a known age, stored per network
from its rollups, and the maturity rule read from it.

Cohorts are written as {day: (leads, customers)} on TODAY; a cohort "aged a" came in a days before TODAY. Weeks of
age are 0-6, 7-13, ...: the lag is the first day of a week, and every expected value below says which week and why.
"""

import random
from datetime import date, datetime, time, timedelta
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.selectors import network_zone
from kpis.catalog import CATALOG
from kpis.maturity import (
    MATURING_KPIS,
    conversion_lag,
    conversion_lag_from_cohorts,
    conversion_lag_measure,
    kpi_is_mature,
    maturity_cutoff,
    network_cohorts,
)
from kpis.models import ConversionLag, ConversionLagBasis, Lead, SubtreeRollup
from kpis.rollups import rollups_refresh
from tests.factories import PASSWORD, FranchiseeFactory, LeadFactory, NetworkFactory, RegionFactory

TODAY = date(2026, 12, 4)
DAYS_18_MONTHS = 546  # what the measure reads: 78 weeks


def cohorts(*, days=DAYS_18_MONTHS, leads=100, customers):
    """`days` days of history up to TODAY, `leads` a day, `customers(age)` of them converted as of TODAY."""
    return {TODAY - timedelta(days=age): (leads, customers(age)) for age in range(days)}


def step(at, converted=20):
    """Every cohort converts `converted` of its 100 leads, known `at` days after the leads came in."""
    return lambda age: converted if age >= at else 0


# Pure measure ---------------------------------------------------------------------------------------------------


def test_conversions_known_35_days_after_the_lead_give_a_lag_of_35_days():
    # Cohorts aged 0-34 show 0 %, those aged 35 and more 20 %: weeks 0-4 (ages 0-34) are at 0, week 5 (35-41) at
    # 20 % = R, so the youngest week at 90 % of R starts at 35.
    measure = conversion_lag_from_cohorts(cohorts=cohorts(customers=step(35)), today=TODAY)

    assert measure.days == 35
    assert measure.basis == ConversionLagBasis.MEASURED
    assert measure.plateau_rate == Fraction(1, 5)
    assert (measure.history_days, measure.plateau_from_days) == (546, 180)
    assert (measure.leads, measure.customers) == (54_600, 20 * (546 - 35))
    assert (measure.plateau_leads, measure.plateau_customers) == (100 * 366, 20 * 366)


@pytest.mark.parametrize(
    ("known_at", "lag"),
    [
        (36, 42),  # week 5 (35-41) has 6 of its 7 days converted: 120 / 700 = 17.1 % < 18 %; week 6 starts at 42
        (41, 42),  # week 5 has one day converted
        (42, 42),
        (7, 7),
        (1, 7),  # week 0 (0-6) pools 6 days at 20 % and today's at 0: 17.1 % < 18 %
        (0, 7),  # every lead converts at once: lag 0, kept to the shortest lag, 7
    ],
)
def test_a_lag_is_the_first_day_of_the_first_week_whose_cohorts_reached_90_percent(known_at, lag):
    measure = conversion_lag_from_cohorts(cohorts=cohorts(customers=step(known_at)), today=TODAY)

    assert (measure.days, measure.basis) == (lag, ConversionLagBasis.MEASURED)


def test_conversions_known_later_than_180_days_give_the_longest_lag():
    # Known at 200 days: the weeks from 203 on are at R, beyond the longest lag kept.
    measure = conversion_lag_from_cohorts(cohorts=cohorts(customers=step(200)), today=TODAY)

    assert (measure.days, measure.basis) == (180, ConversionLagBasis.MEASURED)


def known_share(points):
    """The share of a cohort's conversions known at each age, linear between `points` [(age, share)]."""

    def share(age):
        for (a0, s0), (a1, s1) in zip(points, points[1:], strict=False):
            if a0 <= age <= a1:
                return s0 + (s1 - s0) * Fraction(age - a0, a1 - a0)
        return points[-1][1]

    return share


def gradual(points, converted=200):
    share = known_share(points)
    return lambda age: int(converted * share(age))  # whole customers, rounded down


def test_a_gradual_curve_gives_the_week_where_90_percent_of_conversions_are_known():
    # 10 % known at 1 week, 50 % at 3 weeks, 90 % at 6 weeks, all at 10 weeks; 1,000 leads a day, 20 % in the end.
    # Every day of week 5 (35-41) is under 90 % (at 41: 50 + 40 x 20/21 = 88.1 %, 176 of 200 customers); every day
    # of week 6 (42-48) at 90 % or more (180 customers or more of 200): the lag is 42.
    curve = gradual([(0, 0), (7, Fraction(1, 10)), (21, Fraction(1, 2)), (42, Fraction(9, 10)), (70, 1)])

    measure = conversion_lag_from_cohorts(cohorts=cohorts(leads=1000, customers=curve), today=TODAY)

    assert (measure.days, measure.basis) == (42, ConversionLagBasis.MEASURED)
    assert measure.plateau_rate == Fraction(1, 5)


def test_a_curve_reaching_90_percent_mid_week_gives_the_next_whole_week():
    # 90 % known at 47 days: week 6 (42-48) has 5 days under 90 % and averages about 87 %; week 7 (49-55) is past it.
    curve = gradual([(0, 0), (7, Fraction(1, 10)), (21, Fraction(1, 2)), (47, Fraction(9, 10)), (70, 1)])

    measure = conversion_lag_from_cohorts(cohorts=cohorts(leads=1000, customers=curve), today=TODAY)

    assert measure.days == 49


def test_one_old_week_below_90_percent_of_the_plateau_does_not_push_the_lag_back():
    # The week aged 140-146 converted 5 % (a CRM outage, say): well under 90 % of R. The smoothed curve pools it
    # with the younger weeks (35-146 together: still over 19 %), so the lag stays at 35, where a rule "every older
    # week at 90 %" would have put it at 147.
    measure = conversion_lag_from_cohorts(
        cohorts=cohorts(customers=lambda age: 5 if 140 <= age <= 146 else step(35)(age)), today=TODAY
    )

    assert measure.days == 35


def test_a_bad_week_right_after_the_lag_cannot_be_told_from_slow_conversions():
    # The week aged 42-48 converted 10 %: pooled with week 5 (20 %), weeks 5-6 make 15 %, under 18 %: the lag is
    # the start of week 7.
    measure = conversion_lag_from_cohorts(
        cohorts=cohorts(customers=lambda age: 10 if 42 <= age <= 48 else step(35)(age)), today=TODAY
    )

    assert measure.days == 49


@pytest.mark.parametrize("seed", range(5))
def test_random_conversions_keep_the_lag_within_a_week_of_the_truth(seed):
    # 300 leads a day, each converting with probability 20 % once 35 days old: some 420 conversions a week, whose
    # rate wanders by about 4 % of itself around 20 % (a week under 18 % is a 2-sigma event; two in a row pooled
    # under it, a 3-sigma one). The lag stays at 35, or 42 when week 5 happens to fall short.
    rng = random.Random(seed)
    history = cohorts(leads=300, customers=lambda age: sum(rng.random() < 0.2 for _ in range(300)) if age >= 35 else 0)

    assert conversion_lag_from_cohorts(cohorts=history, today=TODAY).days in (35, 42)


def test_too_little_history_gives_60_days():
    measure = conversion_lag_from_cohorts(cohorts=cohorts(days=119, customers=step(35)), today=TODAY)

    assert (measure.days, measure.basis) == (60, ConversionLagBasis.SHORT_HISTORY)
    assert measure.history_days == 119


def test_120_days_of_history_are_measured_with_their_oldest_third_as_the_plateau():
    measure = conversion_lag_from_cohorts(cohorts=cohorts(days=120, customers=step(35)), today=TODAY)

    assert (measure.days, measure.basis) == (35, ConversionLagBasis.MEASURED)
    assert (measure.plateau_from_days, measure.plateau_leads) == (80, 40 * 100)


def test_too_few_leads_in_the_plateau_give_60_days():
    # A year of history, 1 lead a day: the plateau (aged 180+) holds 185 leads, under 300.
    measure = conversion_lag_from_cohorts(cohorts=cohorts(days=365, leads=1, customers=lambda age: 1), today=TODAY)

    assert (measure.days, measure.basis) == (60, ConversionLagBasis.SHORT_HISTORY)
    assert measure.plateau_leads == 185


def test_no_customer_at_all_gives_60_days():
    measure = conversion_lag_from_cohorts(cohorts=cohorts(customers=lambda age: 0), today=TODAY)

    assert (measure.days, measure.basis) == (60, ConversionLagBasis.NO_CONVERSIONS)


def test_no_lead_at_all_gives_60_days():
    measure = conversion_lag_from_cohorts(cohorts={}, today=TODAY)

    assert (measure.days, measure.basis, measure.history_days) == (60, ConversionLagBasis.SHORT_HISTORY, 0)


def test_days_after_today_and_before_the_18_months_are_left_out():
    history = cohorts(customers=step(35))
    history[TODAY + timedelta(days=1)] = (10_000, 0)
    history[TODAY - timedelta(days=DAYS_18_MONTHS)] = (10_000, 0)

    measure = conversion_lag_from_cohorts(cohorts=history, today=TODAY)

    assert (measure.days, measure.history_days, measure.leads) == (35, 546, 54_600)


# The rule read from it ------------------------------------------------------------------------------------------


def test_maturing_kpis_are_those_of_the_catalog_that_count_on_the_leads_day_and_accrue_later():
    listed = {"customer_conversion_rate", "revenue_per_lead", "revenue_per_customer", "roi", "roas", "cac",
              "promoter_rate", "blended_roi", "chatbot_conversions"}  # fmt: skip

    assert set(CATALOG) & listed == MATURING_KPIS
    assert {"roi", "cac", "chatbot_conversions"} <= MATURING_KPIS
    assert not {"leads", "cpl", "spend", "sales_revenue", "qualified_lead_rate"} & MATURING_KPIS


def test_a_value_is_mature_when_its_range_ends_on_or_before_the_cutoff_or_its_kpi_does_not_mature():
    cutoff = date(2026, 10, 5)

    assert kpi_is_mature(key="roi", last_day=date(2026, 10, 5), cutoff=cutoff)
    assert not kpi_is_mature(key="roi", last_day=date(2026, 10, 6), cutoff=cutoff)
    assert kpi_is_mature(key="cpl", last_day=TODAY, cutoff=cutoff)


@pytest.mark.django_db
def test_a_network_never_measured_has_the_60_day_default(network):
    assert conversion_lag(network=network) == 60
    assert maturity_cutoff(network=network, today=TODAY) == date(2026, 10, 5)


# Measured from a network's rollups ------------------------------------------------------------------------------


def leads_of(node, day, count, *, customers):
    """`count` leads of `node` coming in at noon (local) on `day`, the first `customers` of them won."""
    noon = datetime.combine(day, time(12), tzinfo=network_zone(node=node))
    return [
        LeadFactory.build(node=node, created_at=noon, customer=n < customers, qualified=True,
                          external_id=f"{node.slug}-{day:%Y%m%d}-{n}")
        for n in range(count)
    ]  # fmt: skip


@pytest.fixture
def acme_history(franchisee_lille, franchisee_nice):
    """200 days of Acme leads up to TODAY: 3 a day at Lille and 2 at Nice; once 28 days old, one of Lille's is a
    customer (R = 1/5). Lag: week 4 starts at 28."""
    leads = []
    for age in range(200):
        day = TODAY - timedelta(days=age)
        leads += leads_of(franchisee_lille, day, 3, customers=1 if age >= 28 else 0)
        leads += leads_of(franchisee_nice, day, 2, customers=0)
    Lead.objects.bulk_create(leads)
    rollups_refresh(network=franchisee_lille.parent.parent)


@pytest.fixture
def other_network(db):
    """Another network, in another time zone, with ten days of leads: too little history."""
    other = NetworkFactory(slug="other", timezone="America/New_York")
    shop = FranchiseeFactory(slug="other-shop", parent=RegionFactory(slug="other-region", parent=other))
    leads = []
    for age in range(10):
        leads += leads_of(shop, TODAY - timedelta(days=age), 4, customers=1)
    Lead.objects.bulk_create(leads)
    rollups_refresh(network=other)
    return other


@pytest.mark.django_db
def test_the_measure_reads_the_networks_rollups_and_stores_its_lag(network, acme_history, other_network):
    with CaptureQueriesContext(connection) as queries:
        lag = conversion_lag_measure(network=network, today=TODAY)

    # Ages 134-199 (the oldest third of 200 days) make the plateau: 66 days of 5 leads, one customer each.
    assert (lag.days, lag.basis, lag.measured_on) == (28, ConversionLagBasis.MEASURED, TODAY)
    assert (lag.history_days, lag.leads, lag.customers) == (200, 1000, 200 - 28)
    assert (lag.plateau_from_days, lag.plateau_leads, lag.plateau_customers) == (134, 330, 66)
    assert sum("subtreerollup" in q["sql"] for q in queries.captured_queries) == 1  # one read of the history
    assert conversion_lag(network=network) == 28
    assert maturity_cutoff(network=network, today=TODAY) == date(2026, 11, 6)


@pytest.mark.django_db
def test_measuring_again_updates_the_one_row_of_each_network(network, acme_history, other_network):
    conversion_lag_measure(network=network, today=TODAY)
    conversion_lag_measure(network=other_network, today=TODAY)
    conversion_lag_measure(network=network, today=TODAY + timedelta(days=1))
    conversion_lag_measure(network=other_network, today=TODAY + timedelta(days=1))

    rows = {row.network.slug: row for row in ConversionLag.objects.select_related("network")}
    assert set(rows) == {"acme", "other"}
    assert ConversionLag.objects.count() == 2
    # A day later the oldest leads are 200 days old (history 201 days), and the first converted leads 29: week 4
    # (28-34) has 6 days of customers, 6 / 35 < 90 % of 1/5, so the lag is now 35.
    assert (rows["acme"].days, rows["acme"].measured_on, rows["acme"].history_days) == (35, TODAY + timedelta(days=1),
                                                                                        201)  # fmt: skip
    assert (rows["other"].days, rows["other"].basis, rows["other"].leads) == (60, ConversionLagBasis.SHORT_HISTORY,
                                                                              40)  # fmt: skip


@pytest.mark.django_db
def test_a_day_with_several_rollup_rows_is_summed_and_nodes_below_the_network_are_not(network, franchisee_lille):
    day = TODAY - timedelta(days=3)
    for node, leads, customers in [(network, 5, 1), (network, 2, 1), (franchisee_lille, 7, 2)]:
        SubtreeRollup.objects.create(day=day, node=node, node_path=node.path, leads=leads, customers=customers)

    assert network_cohorts(network=network, today=TODAY) == {day: (7, 2)}


@pytest.mark.django_db
def test_a_conversion_lag_is_measured_for_a_whole_network_only(region_nord):
    with pytest.raises(ValueError, match="not a network"):
        conversion_lag_measure(network=region_nord, today=TODAY)

    assert not ConversionLag.objects.exists()


@pytest.mark.django_db
def test_the_django_admin_shows_the_measured_lags_read_only(client, network, acme_history):
    from django.contrib.auth import get_user_model

    lag = conversion_lag_measure(network=network, today=TODAY)
    operator = get_user_model().objects.create_superuser(email="ops@example.com", password=PASSWORD)
    assert client.login(username=operator.email, password=PASSWORD)

    listing = client.get("/admin/kpis/conversionlag/")
    assert listing.status_code == 200
    assert "Acme" in listing.content.decode() and "<td class=\"field-days\">28</td>" in listing.content.decode()
    assert client.get("/admin/kpis/conversionlag/add/").status_code == 403
    page = client.get(f"/admin/kpis/conversionlag/{lag.pk}/change/")
    assert page.status_code == 200 and 'name="days"' not in page.content.decode()  # shown, not editable
    assert client.post(f"/admin/kpis/conversionlag/{lag.pk}/change/", {"days": 7}).status_code == 403
    lag.refresh_from_db()
    assert lag.days == 28
