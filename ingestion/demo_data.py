"""The demo network: Linguaviva, a French language-school franchise, with 18 months of history up to now.

Deterministic: the same seed and the same moment give the same rows. Nothing is dated after the moment of the build
(`now`): today's leads and conversations are those of the hours gone by, today's sales and media metrics the share
of the day gone by. The rows reach the database like any source's:
`dashboard.demo.demo_build` registers a `demo` data source and syncs it (ingestion.connectors.demo), which replaces
the demo's facts in one transaction, so running it twice leaves the same data. Three stories are planted:

- the Sud region's leads rise over the last four months while its sales fall: the new leads arrive in the
  evening, after the call centre has closed (article 001's example);
- Marseille pays far more per lead than its peers (a Google Ads budget out of proportion to its market);
- the website chatbot's capture rate improves after "bot v2" goes live seven months ago.

The nightly question rules of the demo (dashboard.demo) then open the questions these stories call for.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from accounts.constants import NodeKind, Role
from accounts.models import Node, User, in_subtree
from accounts.services import node_upsert, user_grant
from kpis.constants import Channel
from kpis.engine import kpi_reports
from kpis.models import Campaign, Conversation, DailyMetric, DailyRollup, Lead, Objective, Sale
from kpis.periods import PeriodKind, period_containing
from kpis.services import local_day, objective_set

NETWORK = {
    "slug": "linguaviva",
    "name": "Linguaviva",
    "currency": "EUR",
    "timezone": "Europe/Paris",
    "fiscal_year_start_month": 9,
    "hot_lead_threshold": 70,
}
# region slug -> (name, [(franchisee slug, name, market size)])
REGIONS = {
    "ile-de-france": (
        "Île-de-France",
        [
            ("paris-bastille", "Paris Bastille", 1.5),
            ("paris-montparnasse", "Paris Montparnasse", 1.4),
            ("boulogne", "Boulogne-Billancourt", 1.1),
            ("versailles", "Versailles", 1.0),
            ("saint-denis", "Saint-Denis", 0.9),
            ("creteil", "Créteil", 0.8),
            ("nanterre", "Nanterre", 0.9),
            ("cergy", "Cergy", 0.7),
        ],
    ),
    "nord-est": (
        "Nord-Est",
        [
            ("lille", "Lille", 1.2),
            ("roubaix", "Roubaix", 0.7),
            ("amiens", "Amiens", 0.7),
            ("reims", "Reims", 0.8),
            ("metz", "Metz", 0.7),
            ("nancy", "Nancy", 0.8),
            ("strasbourg", "Strasbourg", 1.1),
            ("dijon", "Dijon", 0.8),
        ],
    ),
    "sud": (
        "Sud",
        [
            ("marseille", "Marseille", 1.3),
            ("nice", "Nice", 1.0),
            ("montpellier", "Montpellier", 1.0),
            ("toulouse", "Toulouse", 1.2),
            ("aix-en-provence", "Aix-en-Provence", 0.8),
            ("toulon", "Toulon", 0.7),
            ("nimes", "Nîmes", 0.6),
            ("perpignan", "Perpignan", 0.6),
        ],
    ),
}
STORY_RISING_LEADS_REGION = "sud"
STORY_POOR_CPL_FRANCHISEE = "marseille"
STORY_MONTHS = 4
BOT_V2_MONTHS_AGO = 7

DEMO_PASSWORD = "linguaviva-demo"  # noqa: S105 - the demo's published password
DEMO_DOMAIN = "linguaviva.example"
# (local part, role, node slugs, first name, last name)
DEMO_USERS = [
    ("admin", Role.FRANCHISOR_ADMIN, ["linguaviva"], "Alice", "Martin"),
    ("direction", Role.EXECUTIVE, ["linguaviva"], "Bernard", "Lefèvre"),
    ("marketing", Role.MARKETING_MANAGER, ["linguaviva"], "Chloé", "Garnier"),
    ("region.sud", Role.REGION_MANAGER, ["sud"], "David", "Roux"),
    ("region.nord-est", Role.REGION_MANAGER, ["nord-est"], "Emma", "Petit"),
    ("region.idf", Role.REGION_MANAGER, ["ile-de-france"], "Farid", "Benali"),
    ("marseille", Role.FRANCHISEE, ["marseille"], "Gaëlle", "Blanc"),
    ("lille", Role.FRANCHISEE, ["lille"], "Hugo", "Dubois"),
    ("nice-toulon", Role.FRANCHISEE, ["nice", "toulon"], "Inès", "Moreau"),
]

# Language schools enrol at the "rentrée" and in January, and go quiet in summer.
SEASON = {1: 1.25, 2: 1.05, 3: 1.0, 4: 0.9, 5: 0.85, 6: 0.75, 7: 0.55, 8: 0.65, 9: 1.45, 10: 1.2, 11: 1.0, 12: 0.7}
WEEKDAY = [1.15, 1.1, 1.05, 1.05, 1.0, 0.7, 0.45]  # Monday first
SEGMENTS = [("students", 0.30), ("employees", 0.30), ("companies", 0.12), ("parents", 0.18), ("job_seekers", 0.10)]
# Local campaigns every franchisee runs, one per half-year: channel, name, daily budget per unit of market size.
LOCAL_CHANNELS = [(Channel.GOOGLE_ADS, "Google Ads – recherche locale", 38.0), (Channel.META, "Meta – local", 22.0)]
# Shared campaigns on the network (or each region for LinkedIn), with their daily budget.
SHARED_CAMPAIGNS = [
    ("network", Channel.TIKTOK, "TikTok – étudiants", 160.0),
    ("network", Channel.EMAIL, "Newsletter mensuelle", 25.0),
    ("network", Channel.CHATBOT, "Chatbot du site", 40.0),
    ("region", Channel.LINKEDIN, "LinkedIn – formation entreprises", 45.0),
]
# Share of a franchisee's leads by channel (organic leads carry no campaign).
LEAD_MIX = [
    (Channel.GOOGLE_ADS, 0.38),
    (Channel.META, 0.24),
    (Channel.TIKTOK, 0.08),
    (Channel.LINKEDIN, 0.06),
    (Channel.EMAIL, 0.08),
    (Channel.ORGANIC, 0.16),
]
UTM = {
    Channel.GOOGLE_ADS: ("google", "cpc"),
    Channel.META: ("facebook", "paid_social"),
    Channel.TIKTOK: ("tiktok", "paid_social"),
    Channel.LINKEDIN: ("linkedin", "paid_social"),
    Channel.EMAIL: ("newsletter", "email"),
    Channel.ORGANIC: ("google", "organic"),
    Channel.CHATBOT: ("chatbot", "chat"),
}
# Cost structure per channel: CPM (EUR) and click-through rate.
MEDIA = {
    Channel.GOOGLE_ADS: (9.0, 0.045),
    Channel.META: (6.5, 0.012),
    Channel.TIKTOK: (4.0, 0.008),
    Channel.LINKEDIN: (28.0, 0.006),
    Channel.EMAIL: (1.2, 0.03),
    Channel.CHATBOT: (0.0, 0.0),
}
LEADS_PER_DAY = 3.2  # for a franchisee of market size 1.0 in an average month
SALES_PER_DAY = 1.6
CALL_CENTRE_CLOSES = 19


def money(value):
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def months_before(day, months):
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class DemoFacts:
    campaigns: list = field(default_factory=list)
    metrics: list = field(default_factory=list)
    leads: list = field(default_factory=list)
    conversations: list = field(default_factory=list)  # (Conversation, lead external id or None)
    sales: list = field(default_factory=list)


class DemoGenerator:
    """Builds the demo's fact rows in memory for nodes already in the database, as of `now` (aware).

    Every fact is drawn for whole days, today's too, with the same draws whatever the time of day (the history does
    not shift with it); then what has not happened by `now` is left out: leads and conversations still to come or
    still going on, and the part of today's sales and media metrics still to come."""

    def __init__(self, *, seed, now, months, nodes):
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"the demo's moment must be aware, not {now!r}")
        self.rng = random.Random(seed)
        self.zone = ZoneInfo(NETWORK["timezone"])
        self.now = now.astimezone(self.zone)
        today = self.today = self.now.date()
        # The share of today gone by at `now`, in seconds begun (1 at the last instant of the day).
        gone = self.now - datetime.combine(today, time(0), tzinfo=self.zone)
        self.today_share = min(1.0, math.ceil(gone / timedelta(seconds=1)) / 86400)
        self.start = months_before(today, months - 1)
        self.days = [self.start + timedelta(days=n) for n in range((today - self.start).days + 1)]
        self.nodes = nodes
        self.story_start = today - timedelta(days=STORY_MONTHS * 30)
        self.bot_v2 = today - timedelta(days=BOT_V2_MONTHS_AGO * 30)
        self.facts = DemoFacts()
        self.campaign_on = {}  # (node slug or "network"/region slug, channel) -> [(start, end, Campaign)]

    def poisson(self, lam):
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, round(self.rng.gauss(lam, math.sqrt(lam))))
        threshold, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= threshold:
                return k
            k += 1

    def pick(self, weighted):
        roll, total = self.rng.random() * sum(w for _, w in weighted), 0.0
        for value, weight in weighted:
            total += weight
            if roll <= total:
                return value
        return weighted[-1][0]

    def at(self, day, hour, minute):
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone)

    def happened(self, moment):
        """True when `moment` is not after the demo's `now`."""
        return moment <= self.now

    def share_of(self, day):
        """How much of `day`'s whole figures has happened by `now`: all of a past day's, part of today's."""
        return self.today_share if day == self.today else 1.0

    # Campaigns -------------------------------------------------------------------------------------------------
    def half_years(self):
        """[start, end] windows of calendar half-years covering the history, clipped to it."""
        windows, cursor = [], date(self.start.year, 1 if self.start.month <= 6 else 7, 1)
        while cursor <= self.today:
            end = date(cursor.year, 6, 30) if cursor.month == 1 else date(cursor.year, 12, 31)
            windows.append((max(cursor, self.start), end, cursor))
            cursor = end + timedelta(days=1)
        return windows

    def add_campaign(self, *, owner, key, channel, name, start, end, daily_budget):
        campaign = Campaign(
            external_id=f"demo-{key}",
            name=name,
            channel=channel,
            node=owner,
            start_date=start,
            end_date=end,
            budget=money(daily_budget * ((end - start).days + 1)),
        )
        self.facts.campaigns.append(campaign)
        self.campaign_on.setdefault((owner.slug, channel), []).append((start, end, campaign, daily_budget))

    def build_campaigns(self):
        network = self.nodes[NETWORK["slug"]]
        for start, end, half in self.half_years():
            label = f"{'S1' if half.month == 1 else 'S2'} {half.year}"
            for scope, channel, name, daily in SHARED_CAMPAIGNS:
                owners = [network] if scope == "network" else [self.nodes[slug] for slug in REGIONS]
                for owner in owners:
                    self.add_campaign(
                        owner=owner,
                        key=f"{owner.slug}-{channel}-{half:%Y%m}",
                        channel=channel,
                        name=f"{name} · {label}",
                        start=start,
                        end=end,
                        daily_budget=daily,
                    )
            for _, franchisees in REGIONS.values():
                for slug, city, size in franchisees:
                    for channel, name, daily in LOCAL_CHANNELS:
                        boost = 2.6 if slug == STORY_POOR_CPL_FRANCHISEE and channel == Channel.GOOGLE_ADS else 1.0
                        self.add_campaign(
                            owner=self.nodes[slug],
                            key=f"{slug}-{channel}-{half:%Y%m}",
                            channel=channel,
                            name=f"{name} {city} · {label}",
                            start=start,
                            end=end,
                            daily_budget=daily * size * boost,
                        )

    def campaign_for(self, slugs, channel, day):
        for slug in slugs:
            for start, end, campaign, _ in self.campaign_on.get((slug, channel), []):
                if start <= day <= end:
                    return campaign
        return None

    # Leads, conversations, sales -------------------------------------------------------------------------------
    def story_ramp(self, day):
        """0 before the Sud story starts, rising to 1 today."""
        if day < self.story_start:
            return 0.0
        return (day - self.story_start).days / max(1, (self.today - self.story_start).days)

    def lead(self, *, node, day, channel, campaign, number, evening_bias=0.0, conversation=False):
        late = self.rng.random() < 0.18 + evening_bias
        hour = (
            self.rng.randint(CALL_CENTRE_CLOSES, 23)
            if late
            else self.pick([(h, w) for h, w in zip(range(8, 19), [2, 4, 6, 6, 5, 6, 6, 5, 5, 4, 3], strict=True)])
        )
        created_at = self.at(day, hour, self.rng.randint(0, 59))
        segment = self.pick(SEGMENTS)
        if channel == Channel.LINKEDIN:
            segment = "companies" if self.rng.random() < 0.7 else "employees"
        elif channel == Channel.TIKTOK:
            segment = "students" if self.rng.random() < 0.75 else segment
        score = max(0, min(100, round(self.rng.gauss(58 + (8 if segment == "companies" else 0), 18))))
        qualified = score >= 45 and self.rng.random() < 0.85
        age_days = (self.today - day).days
        # Recent leads have not had the time to enrol; leads arriving after the call centre closed are called
        # back late and convert less.
        maturity = min(1.0, age_days / 21)
        win = (0.18 + score / 400) * maturity * (0.45 if late else 1.0)
        customer = qualified and self.rng.random() < win
        price = {"companies": 2400, "employees": 1200, "job_seekers": 700}.get(segment, 900)
        purchases = (2 if self.rng.random() < 0.27 else 1) if customer else 0
        source, medium = UTM[channel]
        return Lead(
            external_id=f"demo-lead-{node.slug}-{day:%Y%m%d}-{number}",
            created_at=created_at,
            day=local_day(moment=created_at, zone=self.zone),
            node=node,
            campaign=campaign,
            source=source,
            medium=medium,
            segment=segment,
            score=score,
            qualified=qualified,
            customer=customer,
            revenue=money(price * purchases * self.rng.uniform(0.85, 1.15)) if customer else money(0),
            purchases=purchases,
        )

    def build_franchisee_day(self, *, region_slug, slug, size, day):
        node, season, weekday = self.nodes[slug], SEASON[day.month], WEEKDAY[day.weekday()]
        ramp = self.story_ramp(day) if region_slug == STORY_RISING_LEADS_REGION else 0.0
        poor_cpl = 0.55 if slug == STORY_POOR_CPL_FRANCHISEE else 1.0
        expected = LEADS_PER_DAY * size * season * weekday * (1 + 0.45 * ramp)
        owners = [slug, region_slug, NETWORK["slug"]]
        for number in range(self.poisson(expected)):
            channel = self.pick(LEAD_MIX)
            if channel == Channel.GOOGLE_ADS and self.rng.random() > poor_cpl:
                continue
            campaign = self.campaign_for(owners, channel, day) if channel != Channel.ORGANIC else None
            lead = self.lead(
                node=node, day=day, channel=channel, campaign=campaign, number=number, evening_bias=0.4 * ramp
            )
            if self.happened(lead.created_at):
                self.facts.leads.append(lead)
        self.build_conversations(node=node, owners=owners, day=day, size=size, season=season)
        sales_factor = (1 - 0.3 * ramp) * season * (0.0 if day.weekday() == 6 else weekday)
        orders = self.poisson(SALES_PER_DAY * size * sales_factor)
        if orders:
            units = orders + self.poisson(orders * 0.4)
            revenue = sum(self.rng.uniform(600, 1500) for _ in range(units))
            new_customers = max(0, orders - self.poisson(orders * 0.25))
            share = self.share_of(day)  # a day under way has sold part of its day so far
            if round(orders * share):
                self.facts.sales.append(
                    Sale(
                        node=node,
                        date=day,
                        orders=round(orders * share),
                        units=round(units * share),
                        revenue=money(revenue * share),
                        new_customers=round(new_customers * share),
                    )
                )

    def build_conversations(self, *, node, owners, day, size, season):
        bot_quality = min(1.0, max(0.0, (day - self.bot_v2).days / 60))  # bot v2 ramps in over two months
        for number in range(self.poisson(2.4 * size * season)):
            channel = self.pick([(Channel.CHATBOT, 0.6), (Channel.WHATSAPP, 0.3), (Channel.MESSENGER, 0.1)])
            started_at = self.at(day, self.rng.randint(7, 23), self.rng.randint(0, 59))
            captured = self.rng.random() < 0.22 + 0.26 * bot_quality
            self_served = self.rng.random() < 0.5 + 0.15 * bot_quality
            escalated = not self_served and self.rng.random() < 0.7
            rated = self.rng.random() < 0.35
            scale = 10 if channel == Channel.CHATBOT else 20
            quality = 0.55 + 0.2 * bot_quality + (0.1 if self_served else 0)
            rating = max(1, min(scale, round(self.rng.gauss(quality * scale, scale * 0.18)))) if rated else None
            external_id = f"demo-conv-{node.slug}-{day:%Y%m%d}-{number}"
            lead = None
            if captured:
                campaign = self.campaign_for(owners, Channel.CHATBOT, day)
                lead = self.lead(node=node, day=day, channel=Channel.CHATBOT, campaign=campaign, number=f"c{number}")
                lead.created_at = started_at + timedelta(minutes=self.rng.randint(1, 15))
                lead.day = local_day(moment=lead.created_at, zone=self.zone)
            conversation = Conversation(
                external_id=external_id,
                started_at=started_at,
                day=local_day(moment=started_at, zone=self.zone),
                node=node,
                channel=channel,
                segment=self.pick(SEGMENTS),
                captured_contact=captured,
                goal_completed=self.rng.random() < 0.14 + 0.16 * bot_quality,
                self_served=self_served,
                escalated=escalated,
                rating=rating,
                rating_scale=scale if rated else None,
                duration_seconds=self.rng.randint(40, 540),
                messages=self.rng.randint(3, 24),
            )
            # A conversation is on record once it is over, with the lead it captured (or neither: still going on).
            ended = started_at + timedelta(seconds=conversation.duration_seconds)
            if not self.happened(ended) or (lead is not None and not self.happened(lead.created_at)):
                continue
            if lead is not None:
                self.facts.leads.append(lead)
            self.facts.conversations.append((conversation, lead.external_id if lead is not None else None))

    def build_metrics(self):
        """Daily media metrics per campaign: spend around the daily budget, the funnel below it, and form
        submissions equal to the campaign's form leads of the day."""
        form_leads = {}
        for lead in self.facts.leads:
            if lead.campaign is not None and lead.source != "chatbot":
                key = (lead.campaign.external_id, lead.day)
                form_leads[key] = form_leads.get(key, 0) + 1
        for windows in self.campaign_on.values():
            for start, end, campaign, daily_budget in windows:
                cpm, ctr = MEDIA[campaign.channel]
                for offset in range((end - start).days + 1):
                    day = start + timedelta(days=offset)
                    if day > self.today:
                        break
                    spend = daily_budget * SEASON[day.month] ** 0.5 * self.rng.uniform(0.8, 1.15)
                    impressions = int(spend / cpm * 1000) if cpm else 0
                    clicks = int(impressions * ctr * self.rng.uniform(0.85, 1.15))
                    visitors = int(clicks * 0.9) if clicks else self.poisson(40)
                    lp_views = int(visitors * 0.8)
                    cta_views = int(lp_views * 0.7)
                    submits = form_leads.get((campaign.external_id, day), 0)  # the leads of the day so far
                    share = self.share_of(day)  # a day under way has spent and drawn visits so far
                    visitors, lp_views, cta_views = (round(v * share) for v in (visitors, lp_views, cta_views))
                    self.facts.metrics.append(
                        DailyMetric(
                            campaign=campaign,
                            date=day,
                            spend=money(spend * share),
                            impressions=round(impressions * share),
                            clicks=round(clicks * share),
                            visitors=max(visitors, submits),
                            page_views=int(visitors * 2.3),
                            lp_views=max(lp_views, submits),
                            cta_views=cta_views,
                            cta_clicks=int(cta_views * 0.12),
                            form_submits=submits,
                        )
                    )

    def build(self, progress=None):
        self.build_campaigns()
        franchisees = [(r, slug, size) for r, (_, fs) in REGIONS.items() for slug, _, size in fs]
        for index, (region_slug, slug, size) in enumerate(franchisees, start=1):
            for day in self.days:
                self.build_franchisee_day(region_slug=region_slug, slug=slug, size=size, day=day)
            if progress:
                progress("history", index, len(franchisees))
        self.build_metrics()
        return self.facts


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


CONVERSATION_COLUMNS = ("channel", "segment", "captured_contact", "goal_completed", "self_served", "escalated",
                        "rating", "rating_scale", "duration_seconds", "messages")  # fmt: skip


def demo_rows(facts):
    """The demo's facts as the contract's rows, (kind, reference, row), kinds in dependency order: what the demo
    data source feeds through the import pipeline."""
    for c in facts.campaigns:
        yield "campaigns", f"campaign {c.external_id}", {
            "external_id": c.external_id, "name": c.name, "channel": c.channel, "node_slug": c.node.slug,
            "start_date": _text(c.start_date), "end_date": _text(c.end_date), "budget": _text(c.budget)}  # fmt: skip
    for m in facts.metrics:
        yield "daily_metrics", f"metrics of {m.campaign.external_id} on {m.date}", {
            "date": m.date.isoformat(), "campaign_external_id": m.campaign.external_id, "spend": _text(m.spend),
            **{c: _text(getattr(m, c)) for c in ("impressions", "clicks", "visitors", "page_views", "cta_views",
                                                 "cta_clicks", "lp_views", "form_submits")}}  # fmt: skip
    for lead in facts.leads:
        yield "leads", f"lead {lead.external_id}", {
            "external_id": lead.external_id, "created_at": lead.created_at.isoformat(), "node_slug": lead.node.slug,
            "campaign_external_id": lead.campaign.external_id if lead.campaign else "",
            **{c: _text(getattr(lead, c)) for c in ("source", "medium", "segment", "score", "qualified", "customer",
                                                    "revenue", "purchases")}}  # fmt: skip
    for conversation, lead_external_id in facts.conversations:
        yield "conversations", f"conversation {conversation.external_id}", {
            "external_id": conversation.external_id, "started_at": conversation.started_at.isoformat(),
            "node_slug": conversation.node.slug, "lead_external_id": lead_external_id or "",
            **{c: _text(getattr(conversation, c)) for c in CONVERSATION_COLUMNS}}  # fmt: skip
    for sale in facts.sales:
        yield "sales", f"sales of {sale.node.slug} on {sale.date}", {
            "date": sale.date.isoformat(), "node_slug": sale.node.slug,
            **{c: _text(getattr(sale, c)) for c in ("orders", "units", "revenue", "new_customers")}}  # fmt: skip


def demo_nodes():
    """Create or update the demo tree; returns nodes by slug."""
    network = node_upsert(kind=NodeKind.NETWORK, **NETWORK)
    nodes = {network.slug: network}
    for region_slug, (region_name, franchisees) in REGIONS.items():
        region = node_upsert(slug=region_slug, name=region_name, kind=NodeKind.REGION, parent=network)
        nodes[region_slug] = region
        for slug, name, _ in franchisees:
            nodes[slug] = node_upsert(slug=slug, name=name, kind=NodeKind.FRANCHISEE, parent=region)
    return nodes


def demo_users():
    """Create the demo people, one or more per role; returns [(email, role, node slugs)]."""
    logins = []
    for local, role, slugs, first, last in DEMO_USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        for slug in slugs:
            user, _ = user_grant(
                email=email,
                role=role,
                node=Node.objects.get(slug=slug),
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
            )
        if role == Role.FRANCHISOR_ADMIN and not user.is_staff:
            # The franchisor's administrator also runs the Django admin of this demo instance.
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        logins.append((email, role, slugs))
    return logins


# Objectives of the month: last year's same month, raised (or, for costs, lowered) by these factors.
OBJECTIVE_GROWTH = {"sales_revenue": "1.08", "new_customers": "1.10", "leads": "1.05", "cpl": "0.95"}
OBJECTIVE_OWNERS = {"linguaviva": "direction", "sud": "region.sud", "nord-est": "region.nord-est",
                    "ile-de-france": "region.idf"}  # fmt: skip


def demo_objectives(*, nodes, today):
    """Targets for this month on the network and each region, owned by their managers. Returns how many."""
    month = period_containing(PeriodKind.MONTH, today)
    Objective.objects.filter(in_subtree(nodes[NETWORK["slug"]])).delete()
    count = 0
    for slug, owner in OBJECTIVE_OWNERS.items():
        reports = kpi_reports(
            rows=DailyRollup.objects.all(), node=nodes[slug], keys=list(OBJECTIVE_GROWTH), period=month
        )
        for key, factor in OBJECTIVE_GROWTH.items():
            last_year = reports[key].last_year.value
            if last_year:
                objective_set(
                    kpi=key,
                    node=nodes[slug],
                    period=month,
                    target=(Decimal(last_year) * Decimal(factor)).quantize(Decimal(1)),
                    owner=User.objects.get(email=f"{owner}@{DEMO_DOMAIN}"),
                )
                count += 1
    return count
