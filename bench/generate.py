"""The benchmark's network: nodes through the services, facts straight into PostgreSQL with COPY.

Deterministic: one random generator seeded once, consumed in a fixed order, and fixed dates (the last day is
`Scale.last_day`, not today), so the same seed and scale give the same rows. The shapes are those of a real
network: market sizes spread like city sizes (a few large franchisees, many small), seasonality by month, quiet
weekends, leads that arrive more in the evening, campaigns owned by franchisees, regions and the network on
several channels, lead scores, segments and UTM source / medium by channel, a share of conversations linked to
a lead of the same day.
"""

import csv
import math
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction

from accounts.constants import NodeKind, Role
from accounts.models import Node, User, in_subtree
from accounts.services import node_upsert, user_grant
from kpis.constants import Channel
from kpis.models import Campaign, Conversation, DailyMetric, Lead, Sale

NETWORK_SLUG = "bench"
PASSWORD_LENGTH = 24
# Whose board is measured at each level: an executive (the whole network), a region manager, a franchisee.
PEOPLE = {"network": "executive@bench.invalid", "region": "region@bench.invalid",
          "franchisee": "franchisee@bench.invalid"}  # fmt: skip


@dataclass(frozen=True)
class Scale:
    name: str
    regions: int
    franchisees: int
    campaigns: int
    days: int
    leads: int  # in all, of which `imported_leads` come in through the CSV import path
    conversations: int
    imported_leads: int
    import_days: int  # the imported leads are those of the last days (a CRM's backlog), the rest loaded by COPY
    warm_runs: int
    cold_runs: int
    baseline_runs: int
    last_day: date = date(2026, 11, 15)  # mid-month: the month to date is compared with the same days before

    @property
    def first_day(self):
        return self.last_day - timedelta(days=self.days - 1)

    @property
    def all_days(self):
        return [self.first_day + timedelta(days=n) for n in range(self.days)]

    @property
    def import_window(self):
        return self.all_days[-self.import_days :]


SCALES = {
    s.name: s
    for s in [
        Scale("tiny", regions=2, franchisees=6, campaigns=12, days=800, leads=4_000, conversations=2_000,
              imported_leads=400, import_days=120, warm_runs=5, cold_runs=3, baseline_runs=2),
        Scale("medium", regions=20, franchisees=100, campaigns=500, days=1095, leads=1_000_000,
              conversations=500_000, imported_leads=100_000, import_days=120, warm_runs=30, cold_runs=10,
              baseline_runs=3),
        Scale("full", regions=20, franchisees=1000, campaigns=5000, days=1095, leads=10_000_000,
              conversations=5_000_000, imported_leads=1_000_000, import_days=120, warm_runs=50, cold_runs=15,
              baseline_runs=3),
    ]
}  # fmt: skip

def network_name(scale, seed):
    """The bench network's name records what built it, so that --reuse knows whether it fits."""
    return f"Bench ({scale.name}, seed {seed})"


SEASON = {1: 1.25, 2: 1.05, 3: 1.0, 4: 0.9, 5: 0.85, 6: 0.75, 7: 0.55, 8: 0.65, 9: 1.45, 10: 1.2, 11: 1.0, 12: 0.7}
WEEKDAY = [1.15, 1.1, 1.05, 1.05, 1.0, 0.7, 0.45]  # Monday first
# Local hour of arrival: office hours, and a second, larger wave in the evening. Never before 06:00, so that the
# day's UTC offset taken at noon is right even on the days clocks change.
HOURS = list(zip(range(6, 24), [1, 2, 4, 6, 7, 7, 8, 7, 6, 6, 7, 8, 10, 12, 13, 11, 7, 3], strict=True))
SEGMENTS = [("students", 30), ("employees", 30), ("parents", 18), ("companies", 12), ("job_seekers", 7), ("", 3)]
# channel: (weight, UTM source, UTM medium, cost per thousand impressions, click-through rate)
CHANNELS = {
    Channel.GOOGLE_ADS: (34, "google", "cpc", 9.0, 0.045),
    Channel.META: (26, "facebook", "paid_social", 6.5, 0.012),
    Channel.LINKEDIN: (5, "linkedin", "paid_social", 28.0, 0.006),
    Channel.TIKTOK: (6, "tiktok", "paid_social", 5.0, 0.009),
    Channel.AMAZON: (3, "amazon", "cpc", 7.0, 0.004),
    Channel.EMAIL: (10, "newsletter", "email", 1.0, 0.030),
    Channel.SMS: (4, "sms", "sms", 12.0, 0.050),
    Channel.LOCAL_LISTINGS: (12, "gmb", "organic", 2.0, 0.020),
}
ORGANIC = [(("google", "organic"), 45), (("(direct)", ""), 30), (("bing", "organic"), 8), (("partner", "referral"), 17)]
CONVERSATION_CHANNELS = [(Channel.CHATBOT, 55), (Channel.WHATSAPP, 20), (Channel.MESSENGER, 12),
                         (Channel.WEB_CHAT, 10), (Channel.SMS, 3)]  # fmt: skip


def _cumulative(weighted):
    """(values, cumulative weights) for random.choices, computed once."""
    values, weights = zip(*weighted, strict=True)
    total, cum = 0, []
    for w in weights:
        total += w
        cum.append(total)
    return list(values), cum


class Progress:
    """One line per table on stderr: percent done and rows per second, rewritten in place at most every half
    second on a terminal, and in plain lines (a few per table) when piped."""

    def __init__(self, stream):
        self.stream, self.tty = stream, stream.isatty()

    def start(self, label, total):
        self.label, self.total, self.done, self.step = label, max(total, 1), 0, 0
        self.began = self.shown = time.monotonic()

    def add(self, rows):
        self.done += rows
        now = time.monotonic()
        if self.tty and now - self.shown >= 0.5:
            self.shown = now
            self._line("\r")
        elif not self.tty and self.step < self.done * 4 // self.total < 4:
            self.step = self.done * 4 // self.total
            self._line("", "\n")

    def finish(self):
        self._line("\r" if self.tty else "", "\n")
        return time.monotonic() - self.began

    def _line(self, head, tail=""):
        elapsed = max(time.monotonic() - self.began, 1e-9)
        percent = min(100, 100 * self.done // self.total)
        self.stream.write(f"{head}  {self.label:<22} {percent:3d}%  {self.done:>12,} rows  "
                          f"{self.done / elapsed:>10,.0f} rows/s  {elapsed:7.1f} s{tail}")  # fmt: skip
        self.stream.flush()


def _copy(table, columns, lines):
    """COPY `lines` (tab-separated text, \\N for NULL) into `table`; returns how many."""
    if lines:
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            copy.write("".join(lines))
    return len(lines)


def _text(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def _line(values):
    return "\t".join(map(_text, values)) + "\n"


def _reserve_ids(model, count):
    """The first of `count` consecutive ids taken from `model`'s sequence, so that rows loaded by COPY can refer to
    each other (a conversation to its lead) before they exist."""
    if count == 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, count])
        return cursor.fetchone()[0] - count + 1


class NetworkBuilder:
    """Builds the bench network for one scale and seed: nodes, people, campaigns, then the facts of a range of
    days, table by table, each COPY in the caller's transaction."""

    def __init__(self, *, scale, seed, progress):
        self.scale, self.seed, self.progress = scale, seed, progress
        self.phase("tree")
        self.hours = _cumulative(HOURS)
        self.segments = _cumulative(SEGMENTS)
        self.organic = _cumulative(ORGANIC)
        self.conversation_channels = _cumulative(CONVERSATION_CHANNELS)
        self.channels = _cumulative([(c, spec[0]) for c, spec in CHANNELS.items()])
        self.offsets = {}

    def phase(self, name):
        """Start the random sequence of one phase, so that a phase gives the same rows whether or not the phases
        before it ran in this process (a --reuse run skips the bulk load)."""
        self.rng = random.Random(f"{self.seed}-{name}")

    # The tree and its people ---------------------------------------------------------------------------------
    def build_nodes(self):
        s = self.scale
        network = node_upsert(slug=NETWORK_SLUG, name=network_name(s, self.seed), kind=NodeKind.NETWORK,
                              timezone="Europe/Paris", currency="EUR")  # fmt: skip
        self.network = network
        self.regions = [node_upsert(slug=f"bench-r{r:02d}", name=f"Bench region {r:02d}", kind=NodeKind.REGION,
                                    parent=network) for r in range(1, s.regions + 1)]  # fmt: skip
        self.franchisees, self.sizes, self.region_of = [], {}, {}
        for f in range(1, s.franchisees + 1):
            region = self.regions[(f - 1) % len(self.regions)]
            node = node_upsert(slug=f"bench-f{f:04d}", name=f"Bench franchisee {f:04d}", kind=NodeKind.FRANCHISEE,
                               parent=region)  # fmt: skip
            self.franchisees.append(node)
            self.region_of[node.pk] = region
            # City sizes follow a power law: a few large markets, a long tail of small ones (mean about 1).
            self.sizes[node.pk] = 0.35 + 2.6 / (1 + (f * 7919 % s.franchisees) / (s.franchisees / 12))
        mean = sum(self.sizes.values()) / len(self.sizes)
        self.sizes = {pk: size / mean for pk, size in self.sizes.items()}
        password = "".join(self.rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(PASSWORD_LENGTH))
        roles = {"network": (Role.EXECUTIVE, network), "region": (Role.REGION_MANAGER, self.regions[0]),
                 "franchisee": (Role.FRANCHISEE, self.franchisees[0])}  # fmt: skip
        people = {level: user_grant(email=PEOPLE[level], role=role, node=node, password=password)[0]
                  for level, (role, node) in roles.items()}  # fmt: skip
        return network, people

    def load_nodes(self):
        """The tree as built before (a --reuse run): the same nodes and sizes, without writing."""
        self.network = Node.objects.get(slug=NETWORK_SLUG)
        self.regions = list(Node.objects.filter(parent=self.network).order_by("slug"))
        self.franchisees = list(Node.objects.subtree(self.network).filter(kind=NodeKind.FRANCHISEE)
                                .select_related("parent").order_by("slug"))  # fmt: skip
        s = self.scale
        self.sizes = {n.pk: 0.35 + 2.6 / (1 + (f * 7919 % s.franchisees) / (s.franchisees / 12))
                      for f, n in enumerate(self.franchisees, start=1)}  # fmt: skip
        mean = sum(self.sizes.values()) / len(self.sizes)
        self.sizes = {pk: size / mean for pk, size in self.sizes.items()}
        self.region_of = {n.pk: n.parent for n in self.franchisees}
        return self.network, {level: User.objects.get(email=email) for level, email in PEOPLE.items()}

    # Campaigns -----------------------------------------------------------------------------------------------
    def build_campaigns(self):
        """Most campaigns are always on (and run on past the last day, budgeted); the others run for some months.
        Four in five belong to a franchisee, the rest are shared by a region or the whole network."""
        s, rng = self.scale, self.rng
        owners = [*self.franchisees] * 4 + [*self.regions] * max(1, s.franchisees * 3 // 4 // len(self.regions))
        owners += [self.network] * max(1, s.campaigns // 20)
        rng.shuffle(owners)
        lines = []
        first_id = _reserve_ids(Campaign, s.campaigns)
        self.campaigns = []  # (id, node, channel, start, end, daily budget)
        for n in range(s.campaigns):
            owner = owners[n % len(owners)]
            channel = rng.choices(*self.channels)[0]
            if rng.random() < 0.85:
                start, end = s.first_day - timedelta(days=rng.randrange(0, 60)), s.last_day + timedelta(days=365)
            else:
                length = rng.randrange(90, 720)
                start = s.first_day + timedelta(days=rng.randrange(0, s.days - 30))
                end = start + timedelta(days=length)
            reach = 1.0 if owner.kind == NodeKind.FRANCHISEE else (6.0 if owner.kind == NodeKind.REGION else 20.0)
            daily = round(rng.uniform(8, 40) * reach, 2)
            budget = Decimal(f"{daily * ((end - start).days + 1):.2f}")
            pk = first_id + n
            self.campaigns.append((pk, owner, channel, start, end, daily))
            lines.append(_line([pk, f"bench-c{n + 1:05d}", f"{Channel(channel).label} {owner.slug} {n + 1}",
                                channel, owner.pk, start, end, budget]))  # fmt: skip
        _copy(Campaign._meta.db_table, ["id", "external_id", "name", "channel", "node_id", "start_date", "end_date",
                                        "budget"], lines)  # fmt: skip
        self._campaign_index()

    def load_campaigns(self):
        self.campaigns = [(c.pk, c.node, c.channel, c.start_date, c.end_date,
                           float(c.budget) / ((c.end_date - c.start_date).days + 1))
                          for c in Campaign.objects.filter(in_subtree(self.network))
                          .select_related("node").order_by("external_id")]  # fmt: skip
        self._campaign_index()

    def _campaign_index(self):
        """For each franchisee, the campaigns its leads may come from: its own and its region's and network's."""
        by_node = {}
        for campaign in self.campaigns:
            by_node.setdefault(campaign[1].pk, []).append(campaign)
        self.reachable = {
            f.pk: by_node.get(f.pk, []) + by_node.get(self.region_of[f.pk].pk, []) + by_node.get(self.network.pk, [])
            for f in self.franchisees
        }
        ids = [c[0] for c in self.campaigns]
        self.external_ids = dict(Campaign.objects.filter(pk__in=ids).values_list("pk", "external_id"))

    # Facts ---------------------------------------------------------------------------------------------------
    def _factor(self, day):
        return SEASON[day.month] * WEEKDAY[day.weekday()] * (1 + 0.12 * (day - self.scale.first_day).days / 365)

    def _offset(self, day):
        offset = self.offsets.get(day)
        if offset is None:
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=self.network.zone)
            minutes = int(noon.utcoffset().total_seconds() // 60)
            sign, minutes = "+" if minutes >= 0 else "-", abs(minutes)
            offset = self.offsets[day] = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
        return offset

    def _count(self, mean):
        """A count around `mean` (Poisson for small means, normal for large), never negative."""
        if mean < 30:
            limit, k, p = math.exp(-mean), 0, self.rng.random()
            while p > limit:
                k += 1
                p *= self.rng.random()
            return k
        return max(0, round(self.rng.gauss(mean, math.sqrt(mean))))

    def build_metrics(self, days):
        """Daily media metrics of every campaign running on `days`."""
        rng, lines = self.rng, []
        columns = ["campaign_id", "date", "spend", "impressions", "clicks", "visitors", "page_views", "cta_views",
                   "cta_clicks", "lp_views", "form_submits"]  # fmt: skip
        total = sum(1 for c in self.campaigns for d in days if c[3] <= d <= c[4])
        self.progress.start("daily metrics", total)
        for pk, _owner, channel, start, end, daily in self.campaigns:
            _weight, _source, _medium, cpm, ctr = CHANNELS[channel]
            for day in days:
                if not start <= day <= end:
                    continue
                spend = round(daily * rng.uniform(0.82, 1.04) * (0.8 + 0.2 * WEEKDAY[day.weekday()]), 2)
                impressions = int(spend / cpm * 1000 * rng.uniform(0.85, 1.15))
                clicks = int(impressions * ctr * rng.uniform(0.8, 1.2))
                visitors = int(clicks * rng.uniform(0.85, 0.97))
                lp_views = int(visitors * rng.uniform(0.6, 0.9))
                cta_views = int(visitors * rng.uniform(0.5, 0.8))
                lines.append(_line([pk, day, f"{spend:.2f}", impressions, clicks, visitors,
                                    int(visitors * rng.uniform(1.6, 3.2)), cta_views,
                                    int(cta_views * rng.uniform(0.05, 0.2)), lp_views,
                                    int(lp_views * rng.uniform(0.03, 0.12))]))  # fmt: skip
                if len(lines) >= 50_000:
                    self.progress.add(_copy(DailyMetric._meta.db_table, columns, lines))
                    lines = []
        self.progress.add(_copy(DailyMetric._meta.db_table, columns, lines))
        self.progress.finish()
        return total

    def _lead(self, node_pk, day, number, prefix):
        """One lead as a tuple in the order of LEAD_COLUMNS, with its campaign id (or None) last but one."""
        rng = self.rng
        hour = rng.choices(*self.hours)[0]
        created = f"{day.isoformat()} {hour:02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}{self._offset(day)}"
        reachable = self.reachable[node_pk]
        campaign = rng.choice(reachable) if reachable and rng.random() < 0.8 else None
        if campaign is None:
            source, medium = rng.choices(*self.organic)[0]
            campaign_id = None
        else:
            _weight, source, medium, _cpm, _ctr = CHANNELS[campaign[2]]
            campaign_id = campaign[0]
        score = None if rng.random() < 0.12 else min(100, max(0, int(rng.triangular(0, 100, 55))))
        qualified = None if rng.random() < 0.05 else rng.random() < 0.25 + (score or 40) / 200
        customer = bool(qualified) and rng.random() < 0.3
        revenue = f"{rng.uniform(250, 2400):.2f}" if customer else None
        purchases = (1 + int(rng.expovariate(1.3))) if customer else None
        segment = rng.choices(*self.segments)[0]
        return (f"{prefix}{number:09d}", created, day, node_pk, campaign_id, source, medium, segment, score, qualified,
                customer, revenue, purchases)  # fmt: skip

    LEAD_COLUMNS = ["external_id", "created_at", "day", "node_id", "campaign_id", "source", "medium", "segment",
                    "score", "qualified", "customer", "revenue", "purchases"]  # fmt: skip
    CONVERSATION_COLUMNS = ["external_id", "started_at", "day", "node_id", "channel", "segment", "captured_contact",
                            "goal_completed", "self_served", "escalated", "rating", "rating_scale",
                            "duration_seconds", "messages", "lead_id"]  # fmt: skip
    SALE_COLUMNS = ["node_id", "date", "orders", "units", "revenue", "new_customers"]

    def import_share(self):
        """{day: share of its leads left to the import} over the import window: the import brings `imported_leads`
        of the leads those days would have, so that the network ends with the same shape as if all were loaded."""
        s = self.scale
        weights = {day: self._factor(day) for day in s.all_days}
        expected = s.leads * sum(weights[d] for d in s.import_window) / sum(weights.values())
        share = s.imported_leads / expected
        if share >= 1:
            raise ValueError(f"{s.import_days} days hold about {expected:,.0f} leads, fewer than the "
                             f"{s.imported_leads:,} to import.")  # fmt: skip
        return dict.fromkeys(s.import_window, share)

    def build_people_facts(self, days, *, leads, conversations, prefix, imported=None):
        """Leads, conversations and sales of every franchisee on `days`, about `leads` and `conversations` in
        all (less the `imported` share of some days' leads, {day: share}), loaded a few franchisees at a time;
        external ids start with `prefix`. Returns {table: rows}."""
        numbering, imported = 0, imported or {}
        rng, s = self.rng, self.scale
        weights = {day: self._factor(day) for day in days}
        total_weight = sum(weights.values()) * len(self.franchisees)
        per_lead, per_conversation = leads / total_weight, conversations / total_weight
        counts = {"leads": 0, "conversations": 0, "sales": 0}
        self.progress.start("leads, conversations, sales", leads + conversations + len(days) * len(self.franchisees))
        batch = max(1, len(self.franchisees) // 50)
        for first in range(0, len(self.franchisees), batch):
            lead_rows, conversation_rows, sale_lines = [], [], []
            for node in self.franchisees[first : first + batch]:
                size = self.sizes[node.pk]
                for day in days:
                    weight = weights[day] * size
                    day_leads = []
                    for _ in range(self._count(weight * per_lead * (1 - imported.get(day, 0)))):
                        numbering += 1
                        day_leads.append(len(lead_rows))
                        lead_rows.append(self._lead(node.pk, day, numbering, f"{prefix}l"))
                    for _ in range(self._count(weight * per_conversation)):
                        numbering += 1
                        conversation_rows.append(self._conversation(node.pk, day, day_leads, lead_rows,
                                                                    f"{prefix}c{numbering:09d}"))  # fmt: skip
                    orders = self._count(weight * 1.6 * leads / (s.franchisees * s.days * 9.1))
                    units = orders + self._count(orders * 0.4) if orders else 0
                    revenue = f"{sum(rng.uniform(120, 900) for _ in range(orders)):.2f}"
                    sale_lines.append(_line([node.pk, day, orders, units, revenue, self._count(orders * 0.55)]))
            first_lead = _reserve_ids(Lead, len(lead_rows))
            for table, model, columns, lines in [
                ("leads", Lead, ["id", *self.LEAD_COLUMNS],
                 [_line([first_lead + i, *row]) for i, row in enumerate(lead_rows)]),
                ("conversations", Conversation, self.CONVERSATION_COLUMNS,
                 [_line([*row[:-1], None if row[-1] is None else first_lead + row[-1]]) for row in conversation_rows]),
                ("sales", Sale, self.SALE_COLUMNS, sale_lines),
            ]:  # fmt: skip
                counts[table] += _copy(model._meta.db_table, columns, lines)
                self.progress.add(len(lines))
        self.progress.finish()
        return counts

    def _conversation(self, node_pk, day, day_leads, lead_rows, external_id):
        rng = self.rng
        hour = rng.choices(*self.hours)[0]
        started = f"{day.isoformat()} {hour:02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}{self._offset(day)}"
        captured = rng.random() < 0.38
        lead = rng.choice(day_leads) if captured and day_leads and rng.random() < 0.6 else None
        scale = 10 if rng.random() < 0.7 else 20
        rating = max(1, min(scale, round(rng.gauss(0.72 * scale, 0.18 * scale)))) if rng.random() < 0.35 else None
        self_served = rng.random() < 0.62
        return (external_id, started, day, node_pk, rng.choices(*self.conversation_channels)[0],
                lead_rows[lead][7] if lead is not None else rng.choices(*self.segments)[0], captured,
                rng.random() < 0.22, self_served, not self_served and rng.random() < 0.5, rating,
                scale if rating else None, int(rng.lognormvariate(5.0, 0.7)), 2 + int(rng.expovariate(0.15)),
                lead)  # fmt: skip

    def write_leads_csv(self, path):
        """The contract leads.csv of the leads left to the import (see import_share), spread like the rest (their
        own external ids, node slugs and campaign external ids, time stamps with their offset). Returns the number
        of rows."""
        days = self.scale.import_window
        weights = {day: self._factor(day) for day in days}
        per_lead = self.scale.imported_leads / (sum(weights.values()) * len(self.franchisees))
        written, number = 0, 0
        columns = ["external_id", "created_at", "node_slug", "campaign_external_id", "source", "medium", "segment",
                   "score", "qualified", "customer", "revenue", "purchases"]  # fmt: skip
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for node in self.franchisees:
                for day in days:
                    for _ in range(self._count(weights[day] * self.sizes[node.pk] * per_lead)):
                        number += 1
                        row = self._lead(node.pk, day, number, "bi")
                        flags = ["" if v is None else ("true" if v else "false") for v in row[9:11]]
                        writer.writerow([row[0], row[1], node.slug, self.external_ids.get(row[4], ""), *row[5:9],
                                         *flags, row[11] or "", row[12] or ""])  # fmt: skip
                        written += 1
        return written


def bench_network_delete():
    """Remove the bench network and everything hanging on it, and nothing else: every statement is narrowed to
    the network's path. Plain SQL rather than the ORM's cascade, which would load millions of rows to delete
    them."""
    network = Node.objects.filter(slug=NETWORK_SLUG).first()
    if network is None:
        return
    prefix = network.path + "%"
    statements = [
        "DELETE FROM kpis_conversation WHERE node_id IN (SELECT id FROM accounts_node WHERE path LIKE %s)",
        "DELETE FROM kpis_lead WHERE node_id IN (SELECT id FROM accounts_node WHERE path LIKE %s)",
        "DELETE FROM kpis_sale WHERE node_id IN (SELECT id FROM accounts_node WHERE path LIKE %s)",
        "DELETE FROM kpis_dailymetric WHERE campaign_id IN (SELECT c.id FROM kpis_campaign c "
        "JOIN accounts_node n ON n.id = c.node_id WHERE n.path LIKE %s)",
        "DELETE FROM kpis_dailyrollup WHERE node_path LIKE %s",
        "DELETE FROM kpis_slicerollup WHERE node_path LIKE %s",
        "DELETE FROM kpis_subtreerollup WHERE node_path LIKE %s",
        "DELETE FROM kpis_objective WHERE node_id IN (SELECT id FROM accounts_node WHERE path LIKE %s)",
        "DELETE FROM kpis_campaign WHERE node_id IN (SELECT id FROM accounts_node WHERE path LIKE %s)",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, [prefix])
        User.objects.filter(email__endswith="@bench.invalid").delete()
        for depth in (2, 1, 0):  # children first: a parent is protected while it has children
            Node.objects.subtree(network).filter(depth=depth).delete()
