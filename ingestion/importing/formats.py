"""The contract's formats (nodes, campaigns, daily_metrics, leads, conversations, sales): the columns of each, and
for facts how a row's text cells become a model row's values and its natural key. Every way facts come in (CSV
files, connectors, webhooks) reads them with these formats, so validation and error messages are the same
everywhere: a bad cell raises RowError, which names its column.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import DecimalField, Max, Min
from django.utils import timezone, translation

from accounts.constants import NodeKind
from accounts.models import Node
from kpis.constants import CONVERSATION_CHANNELS, RATING_SCALES, Channel
from kpis.models import Campaign, Conversation, DailyMetric, Lead, Sale
from kpis.periods import day_outside_bounds
from kpis.services import local_day

TRUE = {"true", "1", "yes", "oui", "y", "t", "vrai"}
FALSE = {"false", "0", "no", "non", "n", "f", "faux"}


class RowError(ValueError):
    """A value that cannot be imported; `column` names the field."""

    def __init__(self, column, reason):
        super().__init__(reason)
        self.column, self.reason = column, reason


# How much of a cell a reason quotes: a reason goes into runs, pages and e-mails, so it never carries more of a file
# than a glimpse of the offending cell (a file that is not what it claims would otherwise be echoed there).
QUOTED_LENGTH = 40


def quoted(value):
    """The cell as a reason quotes it: its repr, cut after QUOTED_LENGTH characters."""
    if len(value) <= QUOTED_LENGTH:
        return repr(value)
    return repr(value[:QUOTED_LENGTH]) + "…"


def shown(value):
    """The cell as a reason names it without quotes (a number, a column name), unless it is long or not printable:
    then as quoted() gives it."""
    return value if len(value) <= QUOTED_LENGTH and value.isprintable() else quoted(value)


@dataclass(frozen=True)
class NumberRange:
    """The values a numeric column holds: from `lowest` to `highest`; a decimal column's with at most `places`
    decimals (None: a column of whole numbers)."""

    lowest: int | Decimal
    highest: int | Decimal
    places: int | None = None


@cache
def column_range(model, name):
    """The range of the database column of `model`'s numeric field `name`, from the field's type: a DecimalField's
    max_digits and decimal_places; an integer field's type as Django maps it to a column (PositiveIntegerField:
    0 to 2**31 - 1, the `integer` of PostgreSQL, which silently wraps a larger value sent in binary). Django's base
    table of these, which PostgreSQL's columns follow, is used on every database (SQLite's integers all have 64
    bits): a file is good or bad as the system of record says, whatever the database. The field's own value
    validators narrow the range (a lead's score: at most MAX_LEAD_SCORE)."""
    field = model._meta.get_field(name)
    if isinstance(field, DecimalField):
        places = field.decimal_places
        highest = Decimal(10) ** (field.max_digits - places) - Decimal(10) ** -places
        lowest = -highest
    else:
        places = None
        lowest, highest = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
    for validator in field.validators:
        if isinstance(validator, MinValueValidator | MaxValueValidator):
            limit = validator.limit_value() if callable(validator.limit_value) else validator.limit_value
            if isinstance(validator, MinValueValidator):
                lowest = max(lowest, limit)
            else:
                highest = min(highest, limit)
    return NumberRange(lowest, highest, places)


def _in_range(column, value, number, limits):
    if number < limits.lowest:
        raise RowError(column, f"{shown(value)} is negative" if limits.lowest == 0 else
                       f"{shown(value)} is below {limits.lowest}")  # fmt: skip
    if number > limits.highest:
        raise RowError(column, f"{shown(value)} is above {limits.highest}")


# Parsers: text -> value, raising RowError. An empty cell is None ("unknown").
def parse_text(column, value, max_length=120):
    if len(value) > max_length:
        raise RowError(column, f"longer than {max_length} characters")
    return value


def _day_in_bounds(column, day):
    with translation.override("en"):  # an import's `file:line: column: reason` is in English, as all its reasons
        reason = day_outside_bounds(day)
    if reason:
        raise RowError(column, reason)


def parse_date(column, value):
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise RowError(column, f"{quoted(value)} is not a date (YYYY-MM-DD)") from None
    _day_in_bounds(column, day)
    return day


def parse_moment(column, value, zone):
    """An ISO 8601 time stamp; without an offset it is read in the network's time zone."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(column, f"{quoted(value)} is not an ISO 8601 date and time") from None
    _day_in_bounds(column, moment.date())  # the day as written, before any shift of zone
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=zone)
    return moment


def parse_decimal(column, value, limits):
    """A non-negative amount within `limits`, the range of its column (column_range)."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowError(column, f"{quoted(value)} is not a number") from None
    if not number.is_finite():
        raise RowError(column, f"{quoted(value)} is not a number")
    if number < 0:  # amounts are never negative (the tables' check constraints say so too)
        raise RowError(column, f"{shown(value)} is negative")
    _in_range(column, value, number, limits)  # before quantize(), which a number like 1e400 would overflow
    step = Decimal(10) ** -limits.places
    if number != number.quantize(step):
        raise RowError(column, f"{shown(value)} has more than {limits.places} decimals")
    return number.quantize(step)  # 1E+2 as 100.00: an exponent the column could not take is not passed on


# A column of flags or small counts repeats a handful of values over a million rows: each is parsed once.
@lru_cache(maxsize=4096)
def parse_count(column, value, limits):
    """A whole number within `limits`, the range of its column (column_range)."""
    try:
        number = int(value)
    except ValueError:
        raise RowError(column, f"{quoted(value)} is not a whole number") from None
    _in_range(column, value, number, limits)
    return number


@lru_cache(maxsize=256)
def parse_bool(column, value):
    lowered = value.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise RowError(column, f"{quoted(value)} is not a boolean (true/false, 1/0, yes/no, oui/non)")


def parse_choice(column, value, choices):
    if value not in choices:
        raise RowError(column, f"{quoted(value)} is not one of {', '.join(sorted(choices))}")
    return value


class FactFormat:
    """One format of the contract: its columns, how a row becomes a model row, and its natural key.

    `within`: a node whose subtree every written row must stay in (None: anywhere). `partial`: a column absent from
    a row keeps its stored value (rows from connectors and webhooks); otherwise every column of the format counts as
    given, an absent one as empty (a CSV file's header decides for all its rows).
    """

    name: str
    model = None
    required: tuple = ()
    optional: tuple = ()
    # Fields compared to tell "updated" from "unchanged".
    fields: tuple = ()
    # The fields a column sets, where they are not simply the field of the same name.
    column_fields: dict = {}
    key_label = "external_id"
    # The fast path (bulk.py): the columns of the stored row's natural key (none: no fast path), the
    # field holding its day, and the one naming its node (none: the node of its campaign).
    bulk_keys: tuple = ()
    day_field = "day"
    node_field = "node_id"

    def __init__(self, *, within=None, partial=False):
        self.within, self.partial = within, partial
        self._fields_by_columns = {}

    @property
    def columns(self):
        return self.required + self.optional

    def fields_of(self, columns):
        """The stored fields that a row giving these columns sets, in `fields` order."""
        if not self.partial:
            return self.fields
        fields = self._fields_by_columns.get(columns)
        if fields is None:
            given = {f for c in columns for f in self.column_fields.get(c, (c,))}
            fields = self._fields_by_columns[columns] = tuple(f for f in self.fields if f in given)
        return fields

    def prepare(self, rows):
        """Look up, in one query each, what the chunk's rows refer to (nodes, campaigns, leads)."""

    def parse(self, row):
        """A dict of model field values, raising RowError for the first bad cell."""
        raise NotImplementedError

    def key(self, values):
        raise NotImplementedError

    def existing(self, keys):
        """{key: model instance} for the keys already stored."""
        raise NotImplementedError

    def owner(self, instance):
        """The node a stored row hangs on, when that is not already settled by what the new row refers to."""
        return instance.node

    def refused_changes(self, parsed, existing):
        """(key, column, reason) of each update that other stored rows forbid; `parsed`: {key: (reference, values)},
        `existing`: {key: stored instance}."""
        return ()

    def touched(self, values):
        """The (network slug, day) pairs whose rollups this row feeds."""
        return ()

    def touched_before(self, instance):
        """The (network slug, day) pairs a stored row fed before an update, so that they are refreshed too."""
        return ()

    def number(self, row, column, default=None):
        """The number in the row's cell of `column`, checked against the range of the model's column of that name
        (column_range), or `default` for an empty cell."""
        cell = row.get(column)
        if not cell:
            return default
        limits = column_range(self.model, column)
        return parse_count(column, cell, limits) if limits.places is None else parse_decimal(column, cell, limits)

    # Shared lookups -------------------------------------------------------------------------------------------
    def _nodes(self, rows):
        slugs = {r.get("node_slug", "") for r in rows} - {""}
        self.nodes = {n.slug: n for n in Node.objects.filter(slug__in=slugs)}
        networks = {n.network_slug for n in self.nodes.values()}
        self.zones = {n.slug: ZoneInfo(n.timezone) for n in Node.objects.filter(slug__in=networks)}
        self._fact_nodes = {}  # what a chunk's rows repeat is checked once (campaigns: see _campaigns)

    def _campaigns(self, rows, column):
        ids = {r.get(column, "") for r in rows} - {""}
        self.campaigns = {c.external_id: c for c in Campaign.objects.filter(external_id__in=ids).select_related("node")}
        self._campaigns_checked = {}

    def _within(self, column, node, what):
        if self.within is not None and not node.is_within(self.within):
            raise RowError(column, f"{what} is outside {self.within.slug!r}'s subtree")

    def _node(self, row, column="node_slug"):
        node = self.nodes.get(row[column])
        if node is None:
            raise RowError(column, f"unknown node {quoted(row[column])}")
        self._within(column, node, repr(node.slug))
        return node

    def _fact_node(self, row, column="node_slug"):
        """(node, its network's time zone) of the franchisee the row names."""
        found = self._fact_nodes.get(row[column])
        if found is None:
            node = self._node(row, column)
            if node.kind != NodeKind.FRANCHISEE:
                raise RowError(column, f"{row[column]!r} is a {node.kind}; facts hang on franchisee nodes")
            found = self._fact_nodes[row[column]] = (node, self.zones[node.network_slug])
        return found

    def _campaign_for(self, row, column, node=None):
        external_id = row.get(column, "")
        if not external_id:
            return None
        checked = self._campaigns_checked.get((external_id, node and node.path))
        if checked is not None:
            return checked
        campaign = self.campaigns.get(external_id)
        if campaign is None:
            raise RowError(column, f"unknown campaign {quoted(external_id)}")
        if node is not None and not node.is_within(campaign.node):
            raise RowError(column, f"campaign {external_id!r} belongs to {campaign.node.slug}, not above {node.slug}")
        self._campaigns_checked[external_id, node and node.path] = campaign
        return campaign


class CampaignFormat(FactFormat):
    name, model = "campaigns", Campaign
    required = ("external_id", "name", "channel", "node_slug")
    optional = ("start_date", "end_date", "budget")
    fields = ("name", "channel", "node_id", "start_date", "end_date", "budget")
    column_fields = {"node_slug": ("node_id",)}

    def prepare(self, rows):
        self._nodes(rows)

    def parse(self, row):
        node = self._node(row)
        values = {
            "external_id": parse_text("external_id", row["external_id"]),
            "name": parse_text("name", row["name"], 255),
            "channel": parse_choice("channel", row["channel"], set(Channel.values)),
            "node_id": node.pk,
            "_node": node,
            "start_date": parse_date("start_date", row["start_date"]) if row.get("start_date") else None,
            "end_date": parse_date("end_date", row["end_date"]) if row.get("end_date") else None,
            "budget": self.number(row, "budget"),
        }
        if values["start_date"] and values["end_date"] and values["end_date"] < values["start_date"]:
            raise RowError("end_date", "is before start_date")
        return values

    def key(self, values):
        return values["external_id"]

    def existing(self, keys):
        return {c.external_id: c for c in Campaign.objects.filter(external_id__in=keys).select_related("node")}

    def touched(self, values):
        # The budget is spread over the campaign's days: all of them change with it.
        return _days_between(values["_node"].network_slug, values["start_date"], values["end_date"])

    def touched_before(self, instance):
        days = instance.daily_metrics.aggregate(first=Min("date"), last=Max("date"))
        network = instance.node.network_slug
        return [*_days_between(network, instance.start_date, instance.end_date),
                *_days_between(network, days["first"], days["last"])]  # fmt: skip


class DailyMetricFormat(FactFormat):
    name, model = "daily_metrics", DailyMetric
    key_label = "campaign_external_id+date"
    bulk_keys, day_field, node_field = ("campaign_id", "date"), "date", None
    required = ("date", "campaign_external_id")
    counts = ("impressions", "clicks", "visitors", "page_views", "cta_views", "cta_clicks", "lp_views", "form_submits")
    optional = ("spend", *counts)
    fields = ("spend", *counts)

    def prepare(self, rows):
        self._campaigns(rows, "campaign_external_id")

    def key(self, values):
        return f"{values['campaign_id']}|{values['date'].isoformat()}"

    def existing(self, keys):
        pairs = [k.split("|") for k in keys]
        campaigns = {int(c) for c, _ in pairs}
        days = {date.fromisoformat(d) for _, d in pairs}
        rows = DailyMetric.objects.filter(campaign_id__in=campaigns, date__in=days)
        return {f"{m.campaign_id}|{m.date.isoformat()}": m for m in rows}

    def parse(self, row):
        campaign = self._campaign_for(row, "campaign_external_id")
        if self.within is not None and not campaign.node.is_within(self.within):
            owner, within = campaign.node.slug, self.within.slug
            reason = f"campaign {campaign.external_id!r} belongs to {owner}, outside {within!r}'s subtree"
            raise RowError("campaign_external_id", reason)
        values = {"campaign_id": campaign.pk, "date": parse_date("date", row["date"]), "_campaign": campaign}
        values["spend"] = self.number(row, "spend", Decimal(0))
        for column in self.counts:
            values[column] = self.number(row, column, 0)
        return values

    def owner(self, instance):
        return None  # a stored metric hangs on the campaign its key names, checked in parse()

    def touched(self, values):
        return [(values["_campaign"].node.network_slug, values["date"])]


class LeadFormat(FactFormat):
    name, model = "leads", Lead
    bulk_keys = ("external_id",)
    required = ("external_id", "created_at", "node_slug")
    optional = ("campaign_external_id", "source", "medium", "segment", "score", "qualified", "customer", "revenue",
                "purchases")  # fmt: skip
    fields = ("created_at", "day", "node_id", "campaign_id", "source", "medium", "segment", "score", "qualified",
              "customer", "revenue", "purchases")  # fmt: skip
    column_fields = {"created_at": ("created_at", "day"), "node_slug": ("node_id",),
                     "campaign_external_id": ("campaign_id",)}  # fmt: skip
    flags = ("qualified", "customer")

    def prepare(self, rows):
        self._nodes(rows)
        self._campaigns(rows, "campaign_external_id")

    def parse(self, row):
        node, zone = self._fact_node(row)
        created_at = parse_moment("created_at", row["created_at"], zone)
        campaign = self._campaign_for(row, "campaign_external_id", node)
        values = {
            "external_id": parse_text("external_id", row["external_id"]),
            "created_at": created_at,
            "day": local_day(moment=created_at, zone=zone),
            "node_id": node.pk,
            "_node": node,
            "campaign_id": campaign.pk if campaign else None,
        }
        for column in ("source", "medium", "segment"):
            values[column] = parse_text(column, row.get(column) or "")
        values["score"] = self.number(row, "score")
        for flag in self.flags:
            values[flag] = parse_bool(flag, row[flag]) if row.get(flag) else None
        values["revenue"], values["purchases"] = self.number(row, "revenue"), self.number(row, "purchases")
        return values

    def key(self, values):
        return values["external_id"]

    def existing(self, keys):
        return {r.external_id: r for r in Lead.objects.filter(external_id__in=keys).select_related("node")}

    def touched(self, values):
        return [(values["_node"].network_slug, values["day"])]

    def touched_before(self, instance):
        return [(instance.node.network_slug, instance.day)]

    def refused_changes(self, parsed, existing):
        # A conversation's lead is on the conversation's node (ConversationFormat.parse): a lead that moves to
        # another node would take the conversations linked to it before the new node's people. They are unlinked
        # (or moved) first. bulk.import_staged checks the same for the fast path.
        moved = {instance.pk: key for key, instance in existing.items()
                 if key in parsed and instance.node_id != parsed[key][1]["node_id"]}  # fmt: skip
        refused = {}
        linked = Conversation.objects.filter(lead_id__in=moved).values_list("lead_id", "external_id", "node__slug")
        for lead_id, conversation, node_slug in linked.order_by("lead_id", "external_id"):
            key = moved[lead_id]
            node = parsed[key][1]["_node"]
            if node_slug != node.slug and key not in refused:
                refused[key] = (f"lead {key!r} is linked to conversation {conversation!r} of {node_slug}: unlink it "
                                f"before moving the lead to {node.slug}")  # fmt: skip
        return [(key, "node_slug", reason) for key, reason in refused.items()]


class ConversationFormat(FactFormat):
    name, model = "conversations", Conversation
    bulk_keys = ("external_id",)
    required = ("external_id", "started_at", "node_slug")
    optional = ("channel", "captured_contact", "goal_completed", "self_served", "escalated", "rating", "rating_scale",
                "duration_seconds", "messages", "lead_external_id", "segment")  # fmt: skip
    fields = ("started_at", "day", "node_id", "channel", "captured_contact", "goal_completed", "self_served",
              "escalated", "rating", "rating_scale", "duration_seconds", "messages", "lead_id", "segment")  # fmt: skip
    column_fields = {"started_at": ("started_at", "day"), "node_slug": ("node_id",), "lead_external_id": ("lead_id",),
                     # a rating means nothing without its scale: the two are always set together
                     "rating": ("rating", "rating_scale"), "rating_scale": ("rating", "rating_scale")}  # fmt: skip
    flags = ("captured_contact", "goal_completed", "self_served", "escalated")

    def prepare(self, rows):
        self._nodes(rows)
        ids = {r.get("lead_external_id", "") for r in rows} - {""}
        found = Lead.objects.filter(external_id__in=ids).values_list("external_id", "pk", "node_id", "node__slug",
                                                                      "day")  # fmt: skip
        self.leads = {external_id: rest for external_id, *rest in found}

    def parse(self, row):
        node, zone = self._fact_node(row)
        started_at = parse_moment("started_at", row["started_at"], zone)
        channels = {c.value for c in CONVERSATION_CHANNELS}
        values = {
            "external_id": parse_text("external_id", row["external_id"]),
            "started_at": started_at,
            "day": local_day(moment=started_at, zone=zone),
            "node_id": node.pk,
            "_node": node,
            "channel": parse_choice("channel", row["channel"], channels) if row.get("channel") else Channel.CHATBOT,
            **{flag: parse_bool(flag, row[flag]) if row.get(flag) else False for flag in self.flags},
            "duration_seconds": self.number(row, "duration_seconds"),
            "messages": self.number(row, "messages"),
            "segment": parse_text("segment", row.get("segment") or ""),
        }
        scale = self.number(row, "rating_scale")
        if scale is not None and scale not in RATING_SCALES:
            raise RowError("rating_scale", f"{scale} is not a rating scale (10 or 20)")
        rating = self.number(row, "rating")
        if rating is not None:
            if scale is None:
                raise RowError("rating_scale", "is required with a rating")
            if not 1 <= rating <= scale:
                raise RowError("rating", f"{rating} is outside its scale 1-{scale}")
        values["rating"], values["rating_scale"] = rating, scale if rating is not None else None
        lead = row.get("lead_external_id", "")
        values["lead_id"] = None
        if lead:
            if lead not in self.leads:
                raise RowError("lead_external_id", f"unknown lead {quoted(lead)}")
            values["lead_id"], lead_node, lead_node_slug, values["_lead_day"] = self.leads[lead]
            # Facts hang on franchisee nodes, and a conversation is shown with its lead: linked to a lead of another
            # node, it would be read by that node's people (and stay within the import's subtree only by chance).
            if lead_node != node.pk:
                raise RowError("lead_external_id", f"lead {lead!r} belongs to {lead_node_slug}, not {node.slug}")
        return values

    def key(self, values):
        return values["external_id"]

    def existing(self, keys):
        found = Conversation.objects.filter(external_id__in=keys).select_related("node", "lead")
        return {r.external_id: r for r in found}

    # A conversation linked to a lead makes it a "chatbot customer" on the lead's day: that day is touched too.
    def touched(self, values):
        network = values["_node"].network_slug
        return [(network, values["day"]), *([(network, values["_lead_day"])] if values["lead_id"] else [])]

    def touched_before(self, instance):
        network = instance.node.network_slug
        return [(network, instance.day), *([(network, instance.lead.day)] if instance.lead_id else [])]


class SaleFormat(FactFormat):
    name, model = "sales", Sale
    key_label = "node_slug+date"
    bulk_keys, day_field = ("node_id", "date"), "date"
    required = ("date", "node_slug")
    optional = ("orders", "units", "revenue", "new_customers")
    fields = ("orders", "units", "revenue", "new_customers")

    def prepare(self, rows):
        self._nodes(rows)

    def parse(self, row):
        node, _zone = self._fact_node(row)
        values = {"node_id": node.pk, "_node": node, "date": parse_date("date", row["date"])}
        for column in ("orders", "units", "new_customers"):
            values[column] = self.number(row, column, 0)
        values["revenue"] = self.number(row, "revenue", Decimal(0))
        return values

    def key(self, values):
        return f"{values['node_id']}|{values['date'].isoformat()}"

    def existing(self, keys):
        pairs = [k.split("|") for k in keys]
        rows = Sale.objects.filter(
            node_id__in={int(n) for n, _ in pairs}, date__in={date.fromisoformat(d) for _, d in pairs}
        )
        return {f"{s.node_id}|{s.date.isoformat()}": s for s in rows.select_related("node")}

    def touched(self, values):
        return [(values["_node"].network_slug, values["date"])]

    def touched_before(self, instance):
        return [(instance.node.network_slug, instance.date)]


FACT_FORMATS = {f.name: f for f in (CampaignFormat, DailyMetricFormat, LeadFormat, ConversationFormat, SaleFormat)}
# Files of a folder are imported in this order, so that what a row refers to is already there.
IMPORT_ORDER = ["nodes", *FACT_FORMATS]
# Nodes are few: each goes through node_place (rows.py), which keeps the tree's materialised paths right.
NODE_COLUMNS = ("slug", "name", "kind", "parent_slug", "currency", "timezone", "fiscal_year_start_month")
NODE_REQUIRED = ("slug", "name", "kind")


def _days_between(network_slug, first, last):
    if first is None or last is None:
        return []
    return [(network_slug, first + timedelta(days=n)) for n in range((last - first).days + 1)]
