"""Maturity: how long a network's leads take to convert, and so which KPI values are still converting.

A lead's qualification, purchase and revenue count on the day the lead came in (docs: kpi-catalog.md, "Which day
a fact counts on"), so KPIs made of them (MATURING_KPIS) keep growing for a range long after it ended: they are
*immature* until the network's leads of the range have had the time to convert. The lag is measured nightly from
the network's own history (`conversion_lag_measure`, run by kpis.tasks), stored in ConversionLag, and read by
`conversion_lag` and `maturity_cutoff`; a value over a range is mature when its KPI does not mature or the range's
last counted day is on or before the cutoff (`kpi_is_mature`).

How the lag is measured (`conversion_lag_from_cohorts`, a pure function of the daily leads and customers).
Leads carry no conversion date, only whether they converted as of now; so the history is read as it stands today,
as cohorts: the leads of a day aged `a` days have converted at r(a) = customers / leads, and a network whose
conversions take time shows young cohorts below the old ones. The lag is the age from which cohorts have reached
90 % of the rate of old cohorts (the plateau R):

1. The network's leads and customers per day over HISTORY_DAYS (78 weeks, about 18 months) up to today, from its
   subtree rollups (one query).
2. Too little history gives the default (CONVERSION_LAG_DEFAULT_DAYS, 60): leads spanning under MIN_HISTORY_DAYS
   (120) days, or fewer than MIN_PLATEAU_LEADS (300) leads in the plateau; no customer in the plateau (R = 0)
   gives it too. `basis` says which.
3. The plateau R: the pooled rate of the cohorts aged PLATEAU_AGE_DAYS (180) days or more, or, when the leads
   span under 270 days, of their oldest third.
4. Cohorts are pooled by age in whole weeks (bucket k: ages 7k to 7k + 6, today's leads being aged 0), and the
   weekly rates are smoothed into a curve that never falls as cohorts get older: the weighted isotonic regression
   of rate on age (pool-adjacent-violators, each week weighted by its leads). Conversions only accumulate with age,
   so a week below an older one is noise, and it is pooled with its neighbours until the curve rises again.
5. The lag is the start age of the youngest week whose smoothed rate is >= MATURE_SHARE (90 %) of R: since the
   curve never falls, every older week's is too. It is kept within CONVERSION_LAG_MIN_DAYS..MAX_DAYS (7..180).
   All comparisons are exact (integer sums).

Why isotonic rather than a rolling mean with "every older week at 90 % of R": a rolling mean blurs a sharp
conversion step by about half its window (a centred 4-week mean reads a step at 35 days as 42), and the rule fails
on any one unlucky window among the seventy older ones. On the demo (500 to 900 leads a week, a fifth of them
converting), a rolling 4-week rate put the lag between 84 and 532 days (180 once clamped) on six of seven days
tried; the isotonic curve gives 21 days on 16 of the 24 second days of the months of 2026-2027, 28 or 35 on 7, and
56 once, for a generator whose conversions are 90 % known at 19 days. What it gives up: the answer comes in whole
weeks (a curve crossing 90 % mid-week gives the start of that week or of the next, as the week's pooled rate is
past 90 % or not), and a bad week right after the true lag,
being indistinguishable from slow conversions, pushes it back. Its precision is that of the weekly counts:
simulated, with some 100 conversions a week the lag is within a week of the truth 19 times in 20; with some 20, 7
times in 10, and otherwise often weeks too long. A network whose conversion rate drifts (recent mature cohorts
converting less than old ones) reads as slower to convert, and nothing in the facts can tell the two apart without
conversion dates: the demo's 56 days (on 2 July 2026) is such a case, its Sud region's recent leads converting
less (its story) and its spring weeks sitting at 89 % of the older plateau.
"""

from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

from django.db import transaction
from django.db.models import Sum

from .catalog import CATALOG
from .models import (
    CONVERSION_LAG_DEFAULT_DAYS,
    CONVERSION_LAG_MAX_DAYS,
    CONVERSION_LAG_MIN_DAYS,
    ConversionLag,
    ConversionLagBasis,
    SubtreeRollup,
)

# KPIs that count on the lead's day but accrue later (docs: kpi-catalog.md, "Maturity"), those of the catalog.
MATURING_KPIS = frozenset(
    key
    for key in ("customer_conversion_rate", "revenue_per_lead", "revenue_per_customer", "roi", "roas", "cac",
                "promoter_rate", "blended_roi", "chatbot_conversions")
    if key in CATALOG
)  # fmt: skip

HISTORY_DAYS = 78 * 7  # about 18 months, in whole weeks
WEEK = 7
MIN_HISTORY_DAYS = 120
PLATEAU_AGE_DAYS = 180
MIN_PLATEAU_LEADS = 300
MATURE_SHARE = Fraction(9, 10)


@dataclass(frozen=True)
class LagMeasure:
    """What `conversion_lag_from_cohorts` found: the lag in days, on what basis, and what it read."""

    days: int
    basis: ConversionLagBasis
    history_days: int = 0  # age in days of the oldest leads read, plus one (0: no lead)
    leads: int = 0
    customers: int = 0
    plateau_from_days: int | None = None  # the age from which cohorts make the plateau
    plateau_leads: int = 0
    plateau_customers: int = 0

    @property
    def plateau_rate(self):
        """R, the conversion rate of old cohorts (None without plateau leads)."""
        return Fraction(self.plateau_customers, self.plateau_leads) if self.plateau_leads else None


def _isotonic_blocks(weeks):
    """Pool adjacent violators: [(first week's index, leads, customers)] of the blocks of consecutive weeks whose
    pooled rates rise with age, from `weeks`, a list of (leads, customers) youngest first (weeks without leads
    left out). Each block's rate is the smoothed rate of each of its weeks."""
    blocks = []
    for index, (leads, customers) in enumerate(weeks):
        if not leads:
            continue
        blocks.append([index, leads, customers])
        # The block before the last converts better than the last, older one: noise, pool them.
        while len(blocks) > 1 and blocks[-2][2] * blocks[-1][1] > blocks[-1][2] * blocks[-2][1]:
            _, leads, customers = blocks.pop()
            blocks[-1][1] += leads
            blocks[-1][2] += customers
    return [tuple(block) for block in blocks]


def conversion_lag_from_cohorts(*, cohorts, today):
    """The conversion lag measured from `cohorts`, {day: (leads, customers)} as they stand on `today` (days after
    it, or more than HISTORY_DAYS before, are left out). See the module's docstring. Returns a LagMeasure."""
    leads_at, customers_at = [0] * HISTORY_DAYS, [0] * HISTORY_DAYS
    for day, (leads, customers) in cohorts.items():
        age = (today - day).days
        if 0 <= age < HISTORY_DAYS:
            leads_at[age] += leads or 0
            customers_at[age] += customers or 0
    history = max((age + 1 for age in range(HISTORY_DAYS) if leads_at[age]), default=0)
    read = {"history_days": history, "leads": sum(leads_at), "customers": sum(customers_at)}
    if history < MIN_HISTORY_DAYS:
        return LagMeasure(CONVERSION_LAG_DEFAULT_DAYS, ConversionLagBasis.SHORT_HISTORY, **read)
    plateau_from = min(PLATEAU_AGE_DAYS, history - history // 3)
    read |= {"plateau_from_days": plateau_from, "plateau_leads": sum(leads_at[plateau_from:]),
             "plateau_customers": sum(customers_at[plateau_from:])}  # fmt: skip
    if read["plateau_leads"] < MIN_PLATEAU_LEADS:
        return LagMeasure(CONVERSION_LAG_DEFAULT_DAYS, ConversionLagBasis.SHORT_HISTORY, **read)
    if not read["plateau_customers"]:
        return LagMeasure(CONVERSION_LAG_DEFAULT_DAYS, ConversionLagBasis.NO_CONVERSIONS, **read)
    mature_rate = MATURE_SHARE * Fraction(read["plateau_customers"], read["plateau_leads"])
    weeks = [(sum(leads_at[start : start + WEEK]), sum(customers_at[start : start + WEEK]))
             for start in range(0, HISTORY_DAYS, WEEK)]  # fmt: skip
    mature_blocks = (first for first, leads, customers in _isotonic_blocks(weeks)
                     if Fraction(customers, leads) >= mature_rate)  # fmt: skip
    # Never reached within the history (the plateau's weeks pool lower than R): as long as a lag may be.
    days = next((first * WEEK for first in mature_blocks), CONVERSION_LAG_MAX_DAYS)
    days = min(max(days, CONVERSION_LAG_MIN_DAYS), CONVERSION_LAG_MAX_DAYS)
    return LagMeasure(days, ConversionLagBasis.MEASURED, **read)


def network_cohorts(*, network, today):
    """{day: (leads, customers)} of `network`'s whole tree over the HISTORY_DAYS up to `today`, from its subtree
    rollups (in one query: a day may have several rows until its next refresh, summed here)."""
    rows = (
        SubtreeRollup.objects.filter(node_path=network.path,
                                     day__range=(today - timedelta(days=HISTORY_DAYS - 1), today))
        .values("day")
        .annotate(leads=Sum("leads"), customers=Sum("customers"))
        .order_by()
    )  # fmt: skip
    return {row["day"]: (row["leads"], row["customers"]) for row in rows}


@transaction.atomic
def conversion_lag_measure(*, network, today):
    """Measure `network`'s conversion lag from its history up to `today` (its local day) and store it, replacing
    the previous measure. Returns the ConversionLag row."""
    if network.parent_id is not None:
        raise ValueError(f"{network.slug} is not a network: a conversion lag is measured for a whole network.")
    measure = conversion_lag_from_cohorts(cohorts=network_cohorts(network=network, today=today), today=today)
    lag, _ = ConversionLag.objects.update_or_create(
        network=network,
        defaults={
            "days": measure.days, "basis": measure.basis, "measured_on": today,
            "history_days": measure.history_days, "leads": measure.leads, "customers": measure.customers,
            "plateau_from_days": measure.plateau_from_days, "plateau_leads": measure.plateau_leads,
            "plateau_customers": measure.plateau_customers,
        },
    )  # fmt: skip
    return lag


def conversion_lag(*, network):
    """`network`'s conversion lag in days: as last measured, or the default when it never was."""
    days = ConversionLag.objects.filter(network=network).values_list("days", flat=True).first()
    return CONVERSION_LAG_DEFAULT_DAYS if days is None else days


def maturity_cutoff(*, network, today):
    """The last day whose leads are mature on `today` (the network's local day): today minus the lag."""
    return today - timedelta(days=conversion_lag(network=network))


def kpi_is_mature(*, key, last_day, cutoff):
    """Whether the value of the KPI `key` over a range whose last counted day is `last_day` is mature, given the
    network's `cutoff` (maturity_cutoff)."""
    return key not in MATURING_KPIS or last_day <= cutoff
