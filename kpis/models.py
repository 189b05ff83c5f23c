"""Facts: what happened in the network, one row per natural key. KPIs are computed from these (through rollups),
never stored here."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Node

from .constants import CONVERSATION_CHANNELS, MAX_LEAD_SCORE, RATING_SCALES, Channel

MONEY = {"max_digits": 14, "decimal_places": 2}


class Campaign(models.Model):
    """A marketing campaign on one channel, owned by a node: a franchisee's local campaign, or a region's or the
    network's shared campaign. Its budget is spread evenly over its dates."""

    external_id = models.CharField(_("external id"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=255)
    channel = models.CharField(_("channel"), max_length=32, choices=Channel.choices)
    node = models.ForeignKey(Node, verbose_name=_("node"), on_delete=models.PROTECT, related_name="campaigns")
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    budget = models.DecimalField(_("budget"), **MONEY, null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0) | Q(budget__isnull=True), name="campaign_budget_gte_0"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="campaign_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["node", "channel"], name="campaign_node_channel_idx")]

    def __str__(self):
        return self.name


class DailyMetric(models.Model):
    """What one campaign did on one day: spend and the funnel from impressions to form submissions."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="daily_metrics"
    )
    date = models.DateField(_("date"))
    spend = models.DecimalField(_("spend"), **MONEY, default=0)
    impressions = models.PositiveBigIntegerField(_("impressions"), default=0)
    clicks = models.PositiveBigIntegerField(_("clicks"), default=0)
    visitors = models.PositiveBigIntegerField(_("visitors"), default=0)
    page_views = models.PositiveBigIntegerField(_("page views"), default=0)
    cta_views = models.PositiveBigIntegerField(_("CTA views"), default=0)
    cta_clicks = models.PositiveBigIntegerField(_("CTA clicks"), default=0)
    lp_views = models.PositiveBigIntegerField(_("landing-page views"), default=0)
    form_submits = models.PositiveBigIntegerField(_("form submissions"), default=0)

    class Meta:
        verbose_name = _("daily metric")
        verbose_name_plural = _("daily metrics")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "date"], name="daily_metric_campaign_date_key"),
            models.CheckConstraint(condition=Q(spend__gte=0), name="daily_metric_spend_gte_0"),
        ]
        indexes = [models.Index(fields=["date"], name="daily_metric_date_idx")]

    def __str__(self):
        return f"{self.campaign} · {self.date}"


class Lead(models.Model):
    """A prospect who left their details. Qualification, purchase and revenue are cohort facts: they count on
    `day`, the local day (network time zone) the lead came in, stored so that day cuts need no time-zone maths."""

    # Unique through Meta.constraints, not unique=True, which would add a second index for LIKE patterns: each
    # index is one more write per row of an import, and nothing looks leads up by a prefix of their id.
    external_id = models.CharField(_("external id"), max_length=120)
    created_at = models.DateTimeField(_("created at"))
    day = models.DateField(_("local day"), editable=False)
    # No index of their own: the (node, day) and (campaign, day) indexes below start with them.
    node = models.ForeignKey(
        Node, verbose_name=_("node"), on_delete=models.PROTECT, related_name="leads", db_index=False
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.SET_NULL, null=True, blank=True, related_name="leads",
        db_index=False,
    )  # fmt: skip
    source = models.CharField(_("source"), max_length=120, blank=True)
    medium = models.CharField(_("medium"), max_length=120, blank=True)
    segment = models.CharField(_("segment"), max_length=120, blank=True)
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MaxValueValidator(MAX_LEAD_SCORE)]
    )
    qualified = models.BooleanField(_("qualified"), null=True, blank=True)
    customer = models.BooleanField(_("became a customer"), null=True, blank=True)
    revenue = models.DecimalField(_("revenue"), **MONEY, null=True, blank=True)
    purchases = models.PositiveIntegerField(_("purchases"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="lead_external_id_key"),
            models.CheckConstraint(
                condition=Q(score__lte=MAX_LEAD_SCORE) | Q(score__isnull=True), name="lead_score_range"
            ),
            models.CheckConstraint(condition=Q(revenue__gte=0) | Q(revenue__isnull=True), name="lead_revenue_gte_0"),
        ]
        indexes = [
            models.Index(fields=["node", "day"], name="lead_node_day_idx"),
            models.Index(fields=["campaign", "day"], name="lead_campaign_day_idx"),
        ]

    def __str__(self):
        return self.external_id


class Conversation(models.Model):
    """One chatbot or messaging conversation, counted on the local day it started. Ratings come on a 1-10 or
    1-20 scale and are compared as a percentage of their scale."""

    external_id = models.CharField(_("external id"), max_length=120)  # unique: see Lead
    started_at = models.DateTimeField(_("started at"))
    day = models.DateField(_("local day"), editable=False)
    node = models.ForeignKey(
        Node, verbose_name=_("node"), on_delete=models.PROTECT, related_name="conversations", db_index=False
    )  # the (node, day) index starts with it
    channel = models.CharField(
        _("channel"),
        max_length=32,
        choices=[(c.value, c.label) for c in CONVERSATION_CHANNELS],
        default=Channel.CHATBOT,
    )
    segment = models.CharField(_("segment"), max_length=120, blank=True)
    captured_contact = models.BooleanField(_("contact captured"), default=False)
    goal_completed = models.BooleanField(_("goal completed"), default=False)
    self_served = models.BooleanField(_("self-served"), default=False)
    escalated = models.BooleanField(_("escalated to a human"), default=False)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True, validators=[MinValueValidator(1)])
    rating_scale = models.PositiveSmallIntegerField(
        _("rating scale"), null=True, blank=True, choices=[(s, f"1-{s}") for s in RATING_SCALES]
    )
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    messages = models.PositiveIntegerField(_("messages"), null=True, blank=True)
    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="conversation_external_id_key"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True)
                | (
                    # rating_scale IN (...) is unknown, so passes, on NULL: a rating needs its scale, said outright.
                    Q(rating__gte=1, rating_scale__isnull=False)
                    & Q(rating_scale__in=RATING_SCALES)
                    & Q(rating__lte=F("rating_scale"))
                ),
                name="conversation_rating_within_scale",
            ),
        ]
        indexes = [models.Index(fields=["node", "day"], name="conversation_node_day_idx")]

    def __str__(self):
        return self.external_id


class Sale(models.Model):
    """The business outcome of one franchisee on one day, whatever its marketing origin."""

    node = models.ForeignKey(Node, verbose_name=_("node"), on_delete=models.PROTECT, related_name="sales")
    date = models.DateField(_("date"))
    orders = models.PositiveIntegerField(_("orders"), default=0)
    units = models.PositiveIntegerField(_("units"), default=0)
    revenue = models.DecimalField(_("revenue"), **MONEY, default=0)
    new_customers = models.PositiveIntegerField(_("new customers"), default=0)

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["node", "date"], name="sale_node_date_key"),
            models.CheckConstraint(condition=Q(revenue__gte=0), name="sale_revenue_gte_0"),
        ]

    def __str__(self):
        return f"{self.node} · {self.date}"


class LeadAndConversationMeasures(models.Model):
    """The additive measures of leads and conversations, shared by both rollup tables."""

    lead_revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    leads = models.BigIntegerField(default=0)
    qualified_leads = models.BigIntegerField(default=0)
    customers = models.BigIntegerField(default=0)
    promoters = models.BigIntegerField(default=0)
    scored_leads = models.BigIntegerField(default=0)
    lead_score_sum = models.BigIntegerField(default=0)
    hot_leads = models.BigIntegerField(default=0)
    chatbot_customers = models.BigIntegerField(default=0)
    conversations = models.BigIntegerField(default=0)
    captured = models.BigIntegerField(default=0)
    goal_completions = models.BigIntegerField(default=0)
    self_served = models.BigIntegerField(default=0)
    escalated = models.BigIntegerField(default=0)
    rated = models.BigIntegerField(default=0)
    rating_pct_sum = models.BigIntegerField(default=0)
    positive_ratings = models.BigIntegerField(default=0)
    duration_s_sum = models.BigIntegerField(default=0)
    messages = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class BaseMeasures(LeadAndConversationMeasures):
    """Every additive base measure of the catalog (kpis.catalog.BASE_MEASURES), shared by the rollups that the
    engine sums."""

    spend = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    # A campaign's budget spread evenly over its days; six decimals keep a year of shares summing to the budget.
    budget = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    sales_revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    visitors = models.BigIntegerField(default=0)
    page_views = models.BigIntegerField(default=0)
    cta_views = models.BigIntegerField(default=0)
    cta_clicks = models.BigIntegerField(default=0)
    lp_views = models.BigIntegerField(default=0)
    form_submits = models.BigIntegerField(default=0)
    orders = models.BigIntegerField(default=0)
    units = models.BigIntegerField(default=0)
    new_customers = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class DailyRollup(BaseMeasures):
    """Summed base measures of one node, campaign and channel on one day: what KPI values are computed from.

    Derived from the facts by kpis.rollups, refreshed for exactly the days an import or sync touched, never edited
    by hand. Several rows may share a grain (new leads are added as rows of their own until the next refresh of
    their day); readers sum them. `node_path` copies the node's materialised path so that "everything under this
    node" needs no join.
    """

    # The engine sums these rows over every node under the one asked for (see SubtreeRollup for the other way).
    sums_subtree = False

    day = models.DateField()
    # No database constraint on the references of derived rows: a refresh writes millions of them, and PostgreSQL
    # would check each one at commit (as long again as writing them). They come from rows that reference the same
    # nodes and campaigns with constraints, and Django still cascades deletions to them. Nor an index on the node:
    # rows are found by node_path, and each index is one more write per row.
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    node_path = models.CharField(max_length=255)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                 db_constraint=False)  # fmt: skip
    channel = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        indexes = [
            models.Index(
                fields=["node_path", "day"], name="rollup_path_day_idx", opclasses=["varchar_pattern_ops", "date_ops"]
            ),
            models.Index(fields=["day"], name="rollup_day_idx"),
        ]

    def __str__(self):
        return f"{self.node_path} · {self.day}"


class SubtreeRollup(BaseMeasures):
    """Summed base measures of one node's whole subtree (the node and everything below it) on one day.

    What the board reads: a node's totals over 25 months are some 760 rows whatever the size of the network, where
    DailyRollup would need millions at a network of 1,000 franchisees. Derived from DailyRollup by kpis.rollups in
    the same transaction, one row per node and day (a day with no fact anywhere below a node has no row), and
    one more per import of new leads until the next refresh of that day (see rollups_add_new_leads).
    """

    # A row already holds its node's whole subtree: the engine reads the node's own rows, never those below it.
    sums_subtree = True

    day = models.DateField()
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", db_constraint=False,
                             db_index=False)  # see DailyRollup
    node_path = models.CharField(max_length=255)

    class Meta:
        verbose_name = _("subtree rollup")
        verbose_name_plural = _("subtree rollups")
        indexes = [
            models.Index(
                fields=["node_path", "day"], name="subtree_path_day_idx", opclasses=["varchar_pattern_ops", "date_ops"]
            ),
        ]

    def __str__(self):
        return f"{self.node_path}* · {self.day}"


class Objective(models.Model):
    """A SMART objective: a KPI to reach on a node over a period, with a target and the person who owns it.

    On a region or the network, the actual value is computed from the summed base measures of everything below it,
    never from the average of the children's KPIs.
    """

    kpi = models.CharField(_("KPI"), max_length=64)
    node = models.ForeignKey(Node, verbose_name=_("node"), on_delete=models.CASCADE, related_name="objectives")
    period_kind = models.CharField(_("period"), max_length=16)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=4)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_objectives",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["node__path", "kpi", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "node", "start", "end"], name="objective_kpi_node_period_key"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="objective_dates_ordered"),
        ]

    def __str__(self):
        return f"{self.kpi} · {self.node} · {self.start}–{self.end}"


class BoardLayout(models.Model):
    """Which KPIs a network's people see first: the tiles of the home board (business objectives are shown first
    whatever their place in the list, operational KPIs second, grouped) and of its wall screens. A network without
    a row gets the defaults of kpis.selectors.board_layout."""

    network = models.OneToOneField(
        Node, verbose_name=_("network"), on_delete=models.CASCADE, related_name="board_layout",
        limit_choices_to={"parent__isnull": True},
    )  # fmt: skip
    home_kpis = models.JSONField(_("home board KPIs"), default=list, blank=True)
    wall_kpis = models.JSONField(_("wall screen KPIs"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("board layout")
        verbose_name_plural = _("board layouts")

    def __str__(self):
        return str(self.network)


class SliceDimension(models.TextChoices):
    SOURCE_MEDIUM = "source_medium", _("Source / medium")
    SEGMENT = "segment", _("Segment")
    SCORE_BAND = "score_band", _("Score band")
    HOUR_WEEKDAY = "hour_weekday", _("Hour and weekday")


class SliceRollup(LeadAndConversationMeasures):
    """Lead and conversation measures of one node on one day, for one value of one drill dimension: lead origin
    (source / medium), population segment, lead score band, or local hour and weekday of arrival ("1-09" is
    Monday 09:00-09:59). Derived by kpis.rollups like DailyRollup; the breakdowns read it."""

    day = models.DateField()
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", db_constraint=False,
                             db_index=False)  # see DailyRollup
    node_path = models.CharField(max_length=255)
    dimension = models.CharField(max_length=16, choices=SliceDimension.choices)
    value = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("slice rollup")
        verbose_name_plural = _("slice rollups")
        indexes = [
            models.Index(
                fields=["dimension", "node_path", "day"],
                name="slice_dim_path_day_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "date_ops"],
            ),
            models.Index(fields=["day"], name="slice_day_idx"),
        ]

    def __str__(self):
        return f"{self.dimension}={self.value} · {self.node_path} · {self.day}"


# How long a network's leads take to convert (see kpis.maturity): the default when its history is too short to
# measure, and the range a measured lag is kept within.
CONVERSION_LAG_DEFAULT_DAYS = 60
CONVERSION_LAG_MIN_DAYS = 7
CONVERSION_LAG_MAX_DAYS = 180


class ConversionLagBasis(models.TextChoices):
    MEASURED = "measured", _("measured")
    SHORT_HISTORY = "short_history", _("default: too little history")
    NO_CONVERSIONS = "no_conversions", _("default: no conversion yet")


class ConversionLag(models.Model):
    """How many days a network's leads take to convert: the age from which its cohorts of leads have reached 90 % of
    the conversion rate of its old cohorts, measured nightly from its own history (kpis.maturity), or the default
    when that history is too short. KPIs that count on a lead's day but accrue later are immature over a range whose
    last day is younger than this. One row per network, replaced at each measurement; `basis` says which it is."""

    network = models.OneToOneField(
        Node, verbose_name=_("network"), on_delete=models.CASCADE, related_name="conversion_lag",
        limit_choices_to={"parent__isnull": True},
    )  # fmt: skip
    days = models.PositiveSmallIntegerField(
        _("lag (days)"), help_text=_("Days after which 90 percent of the conversions of a day's leads are known.")
    )
    basis = models.CharField(_("basis"), max_length=16, choices=ConversionLagBasis.choices)
    measured_on = models.DateField(_("measured on"))  # the network's local day
    # What the measure read: the days of history (age of its oldest leads, up to 18 months), the leads and customers
    # in them, and those of the old cohorts whose conversion rate is the plateau the young ones are compared with.
    history_days = models.PositiveIntegerField(_("history (days)"), default=0)
    leads = models.BigIntegerField(_("leads"), default=0)
    customers = models.BigIntegerField(_("customers"), default=0)
    plateau_from_days = models.PositiveIntegerField(_("plateau from (days of age)"), null=True, blank=True)
    plateau_leads = models.BigIntegerField(_("leads of the plateau"), default=0)
    plateau_customers = models.BigIntegerField(_("customers of the plateau"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("conversion lag")
        verbose_name_plural = _("conversion lags")
        ordering = ["network__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(days__gte=CONVERSION_LAG_MIN_DAYS, days__lte=CONVERSION_LAG_MAX_DAYS),
                name="conversion_lag_days_range",
            ),
        ]

    def __str__(self):
        return f"{self.network} · {self.days} d"
