"""The one upsert path of facts, whatever their origin: the contract's CSV files, a connector, a webhook body.

Rows come as `(reference, {column: value})` in the contract's column names (nodes, campaigns, daily_metrics, leads,
conversations, sales), so validation and error messages are the same everywhere. A batch of rows is imported whole
or not at all: it is read as a stream, in chunks, inside one transaction; every bad row is reported as
`label:reference: column: reason` (`file:line: column: reason` for a file) and any bad row rolls the whole batch
back. Rows are upserted by natural key, so importing the same rows again reports everything unchanged and writes
nothing. The rollups of exactly the days the batch touched are refreshed in the same transaction.

A CSV file gives every column of its format on every row. A connector or a webhook may give only some: a column it
leaves out keeps its stored value (a Google Ads sync knows nothing of a campaign's budget, GA4 nothing of its spend).
A batch may be held within one node's subtree (a data source's node): a row that would write outside it is rejected.

Memory stays flat however long the file: rows are held one chunk at a time, and the keys already seen (to catch a
key repeated inside one file) are kept in a temporary table, not in Python.
"""

import csv
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts.constants import NodeKind
from accounts.models import Node
from accounts.services import node_upsert

from . import bulk_import
from .constants import CONVERSATION_CHANNELS, MAX_LEAD_SCORE, RATING_SCALES, Channel
from .models import Campaign, Conversation, DailyMetric, Lead, Sale
from .rollups import rollups_refresh
from .services import local_day

CHUNK = 2000
TRUE = {"true", "1", "yes", "oui", "y", "t", "vrai"}
FALSE = {"false", "0", "no", "non", "n", "f", "faux"}


class RowError(ValueError):
    """A value that cannot be imported; `column` names the field."""

    def __init__(self, column, reason):
        super().__init__(reason)
        self.column, self.reason = column, reason


# Parsers: text -> value, raising RowError. An empty cell is None ("unknown").
def _text(column, value, max_length=120):
    if len(value) > max_length:
        raise RowError(column, f"longer than {max_length} characters")
    return value


def _date(column, value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RowError(column, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _moment(column, value, zone):
    """An ISO 8601 time stamp; without an offset it is read in the network's time zone."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(column, f"{value!r} is not an ISO 8601 date and time") from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=zone)
    return moment


def _decimal(column, value):
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowError(column, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise RowError(column, f"{value!r} is not a number")
    if number < 0:
        raise RowError(column, f"{value} is negative")
    if number != number.quantize(Decimal("0.01")):
        raise RowError(column, f"{value} has more than 2 decimals")
    return number


# A column of flags or small counts repeats a handful of values over a million rows: each is parsed once.
@lru_cache(maxsize=4096)
def _count(column, value, maximum=None):
    try:
        number = int(value)
    except ValueError:
        raise RowError(column, f"{value!r} is not a whole number") from None
    if number < 0:
        raise RowError(column, f"{value} is negative")
    if maximum is not None and number > maximum:
        raise RowError(column, f"{value} is above {maximum}")
    return number


@lru_cache(maxsize=256)
def _bool(column, value):
    lowered = value.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise RowError(column, f"{value!r} is not a boolean (true/false, 1/0, yes/no, oui/non)")


def _choice(column, value, choices):
    if value not in choices:
        raise RowError(column, f"{value!r} is not one of {', '.join(sorted(choices))}")
    return value


@dataclass
class FileResult:
    """What importing one file (or one batch of rows) did; `path` names the file, or the batch's label."""

    path: str
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    dry_run: bool = False
    touched_days: dict = field(default_factory=lambda: defaultdict(set))  # network slug -> days
    # How the rows were read: "row by row", or the fast path's "python", "database conversion" or "database" (see
    # kpis.bulk_import).
    route: str = "row by row"

    @property
    def ok(self):
        return self.rejected == 0


class ImportAborted(Exception):
    """Raised inside the batch's transaction to roll it back."""


def _where(reference):
    """How an error points back at a row: a file's line number, or a connector's own words ("contact 501")."""
    return f"on line {reference}" if isinstance(reference, int) else f"at {reference}"


class SeenKeys:
    """Natural keys already met in this batch, kept in a temporary table so memory does not grow with the batch."""

    def __init__(self):
        self.table = f"import_seen_{uuid.uuid4().hex[:12]}"

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table} (k VARCHAR(400) PRIMARY KEY, ref VARCHAR(400) NOT NULL)"
            )
        return self

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    def first_seen(self, keys):
        """{key: where it was first met} for those of `keys` seen in earlier chunks."""
        found = {}
        keys = list(keys)
        with connection.cursor() as cursor:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                placeholders = ", ".join(["%s"] * len(part))
                cursor.execute(f"SELECT k, ref FROM {self.table} WHERE k IN ({placeholders})", part)  # noqa: S608
                found.update(cursor.fetchall())
        return found

    def add(self, where_by_key):
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {self.table} (k, ref) VALUES (%s, %s)", list(where_by_key.items()))  # noqa: S608


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
    # The fast path (kpis.bulk_import): the columns of the stored row's natural key (none: no fast path), the
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

    def touched(self, values):
        """The (network slug, day) pairs whose rollups this row feeds."""
        return ()

    def touched_before(self, instance):
        """The (network slug, day) pairs a stored row fed before an update, so that they are refreshed too."""
        return ()

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
            raise RowError(column, f"unknown node {row[column]!r}")
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
            raise RowError(column, f"unknown campaign {external_id!r}")
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
            "external_id": _text("external_id", row["external_id"]),
            "name": _text("name", row["name"], 255),
            "channel": _choice("channel", row["channel"], set(Channel.values)),
            "node_id": node.pk,
            "_node": node,
            "start_date": _date("start_date", row["start_date"]) if row.get("start_date") else None,
            "end_date": _date("end_date", row["end_date"]) if row.get("end_date") else None,
            "budget": _decimal("budget", row["budget"]) if row.get("budget") else None,
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
        values = {"campaign_id": campaign.pk, "date": _date("date", row["date"]), "_campaign": campaign}
        values["spend"] = _decimal("spend", row["spend"]) if row.get("spend") else Decimal(0)
        for column in self.counts:
            values[column] = _count(column, row[column]) if row.get(column) else 0
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
    optional_parsers = {"score": lambda c, v: _count(c, v, MAX_LEAD_SCORE), "qualified": _bool, "customer": _bool,
                        "revenue": _decimal, "purchases": _count}  # fmt: skip

    def prepare(self, rows):
        self._nodes(rows)
        self._campaigns(rows, "campaign_external_id")

    def parse(self, row):
        node, zone = self._fact_node(row)
        created_at = _moment("created_at", row["created_at"], zone)
        campaign = self._campaign_for(row, "campaign_external_id", node)
        values = {
            "external_id": _text("external_id", row["external_id"]),
            "created_at": created_at,
            "day": local_day(moment=created_at, zone=zone),
            "node_id": node.pk,
            "_node": node,
            "campaign_id": campaign.pk if campaign else None,
        }
        for column in ("source", "medium", "segment"):
            values[column] = _text(column, row.get(column) or "")
        for column, parse in self.optional_parsers.items():
            cell = row.get(column)
            values[column] = parse(column, cell) if cell else None
        return values

    def key(self, values):
        return values["external_id"]

    def existing(self, keys):
        return {r.external_id: r for r in Lead.objects.filter(external_id__in=keys).select_related("node")}

    def touched(self, values):
        return [(values["_node"].network_slug, values["day"])]

    def touched_before(self, instance):
        return [(instance.node.network_slug, instance.day)]


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
        found = Lead.objects.filter(external_id__in=ids).values_list("external_id", "pk", "node__path", "day")
        self.leads = {external_id: (pk, path, day) for external_id, pk, path, day in found}

    def parse(self, row):
        node, zone = self._fact_node(row)
        started_at = _moment("started_at", row["started_at"], zone)
        channels = {c.value for c in CONVERSATION_CHANNELS}
        values = {
            "external_id": _text("external_id", row["external_id"]),
            "started_at": started_at,
            "day": local_day(moment=started_at, zone=zone),
            "node_id": node.pk,
            "_node": node,
            "channel": _choice("channel", row["channel"], channels) if row.get("channel") else Channel.CHATBOT,
            **{flag: _bool(flag, row[flag]) if row.get(flag) else False for flag in self.flags},
            "duration_seconds": _count("duration_seconds", row["duration_seconds"])
            if row.get("duration_seconds")
            else None,
            "messages": _count("messages", row["messages"]) if row.get("messages") else None,
            "segment": _text("segment", row.get("segment") or ""),
        }
        scale = _count("rating_scale", row["rating_scale"]) if row.get("rating_scale") else None
        if scale is not None and scale not in RATING_SCALES:
            raise RowError("rating_scale", f"{scale} is not a rating scale (10 or 20)")
        rating = _count("rating", row["rating"]) if row.get("rating") else None
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
                raise RowError("lead_external_id", f"unknown lead {lead!r}")
            values["lead_id"], path, values["_lead_day"] = self.leads[lead]
            if self.within is not None and not path.startswith(self.within.path):
                raise RowError("lead_external_id", f"lead {lead!r} is outside {self.within.slug!r}'s subtree")
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
        values = {"node_id": node.pk, "_node": node, "date": _date("date", row["date"])}
        for column in ("orders", "units", "new_customers"):
            values[column] = _count(column, row[column]) if row.get(column) else 0
        values["revenue"] = _decimal("revenue", row["revenue"]) if row.get("revenue") else Decimal(0)
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


def _days_between(network_slug, first, last):
    if first is None or last is None:
        return []
    return [(network_slug, first + timedelta(days=n)) for n in range((last - first).days + 1)]


def _cell(column, value):
    """A value from JSON or Python as the text a CSV cell would hold; None is empty ("unknown")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise RowError(column, f"{type(value).__name__} is not a single value")


def _clean(rows, columns, label, report, result):
    """Yield (reference, row) with text cells, stripped; a row that is not an object, or has a column the format
    does not know, is reported and skipped."""
    known = set(columns)
    for reference, row in rows:
        if not isinstance(row, dict):
            report(f"{label}:{reference}: -: is not an object with the format's columns")
            result.rejected += 1
            continue
        if not known.issuperset(row):
            at = f"{label}:{reference}"
            for column in sorted(row.keys() - known, key=str):
                # csv.DictReader files the cells beyond the header under None
                report(f"{at}: -: more cells than columns" if column is None else f"{at}: {column}: unknown column")
            result.rejected += 1
            continue
        try:
            yield reference, {k: v.strip() if isinstance(v, str) else _cell(k, v) for k, v in row.items()}
        except RowError as error:
            report(f"{label}:{reference}: {error.column}: {error.reason}")
            result.rejected += 1


def _import_facts(rows, label, fmt, result, report):
    with SeenKeys() as seen:
        chunk = []

        def flush():
            fmt.prepare([row for _, row in chunk])
            parsed = {}
            for reference, row in chunk:
                missing = next((c for c in fmt.required if not row.get(c)), None)
                try:
                    if missing:
                        raise RowError(missing, "is required")
                    values = fmt.parse(row)
                except RowError as error:
                    report(f"{label}:{reference}: {error.column}: {error.reason}")
                    result.rejected += 1
                    continue
                key = fmt.key(values)
                if key in parsed:
                    first = _where(parsed[key][0])
                    report(f"{label}:{reference}: {fmt.key_label}: duplicate key, first {first}")
                    result.rejected += 1
                    continue
                values["_columns"] = frozenset(row)
                parsed[key] = (reference, values)
            for key, first in seen.first_seen(parsed).items():
                reference = parsed.pop(key)[0]
                report(f"{label}:{reference}: {fmt.key_label}: duplicate key, first {first}")
                result.rejected += 1
            seen.add({key: _where(reference) for key, (reference, _) in parsed.items()})
            existing = fmt.existing(list(parsed)) if parsed and (fmt.within or not result.rejected) else {}
            if fmt.within is not None:
                for key, instance in existing.items():
                    node = fmt.owner(instance)
                    if node is not None and not node.is_within(fmt.within):
                        reference = parsed.pop(key)[0]
                        report(f"{label}:{reference}: {fmt.key_label}: {key!r} belongs to {node.slug}, outside "
                               f"{fmt.within.slug!r}'s subtree")  # fmt: skip
                        result.rejected += 1
            if result.rejected:
                chunk.clear()
                return  # the batch will be rolled back: only keep validating
            _upsert(fmt, parsed, existing, result)
            chunk.clear()

        for reference, row in _clean(rows, fmt.columns, label, report, result):
            chunk.append((reference, row))
            if len(chunk) >= CHUNK:
                flush()
        if chunk:
            flush()


def _upsert(fmt, parsed, existing, result):
    new, changed = [], defaultdict(list)  # changed: fields to write -> rows
    for key, (_, values) in parsed.items():
        for network, day in fmt.touched(values):
            result.touched_days[network].add(day)
        model_values = {k: v for k, v in values.items() if not k.startswith("_")}
        current = existing.get(key)
        if current is None:
            new.append(fmt.model(**model_values))
            continue
        fields = fmt.fields_of(values["_columns"])
        if all(_same(getattr(current, f), model_values[f]) for f in fields):
            result.unchanged += 1
            continue
        for network, day in fmt.touched_before(current):
            result.touched_days[network].add(day)
        for name in fields:
            setattr(current, name, model_values[name])
        changed[fields].append(current)
    fmt.model.objects.bulk_create(new, batch_size=CHUNK)
    for fields, rows in changed.items():
        fmt.model.objects.bulk_update(rows, list(fields), batch_size=CHUNK)
    result.created += len(new)
    result.updated += sum(len(rows) for rows in changed.values())


def _same(stored, incoming):
    if isinstance(stored, Decimal) or isinstance(incoming, Decimal):
        return stored is not None and incoming is not None and Decimal(stored) == Decimal(incoming)
    return stored == incoming


NODE_COLUMNS = ("slug", "name", "kind", "parent_slug", "currency", "timezone", "fiscal_year_start_month")
NODE_REQUIRED = ("slug", "name", "kind")


def _import_nodes(rows, label, within, result, report):
    """Nodes are few: each goes through node_upsert, which keeps the materialised paths right."""
    created_here = {}
    for reference, row in _clean(rows, NODE_COLUMNS, label, report, result):
        try:
            missing = next((c for c in NODE_REQUIRED if not row.get(c)), None)
            if missing:
                raise RowError(missing, "is required")
            kind = _choice("kind", row["kind"], set(NodeKind.values))
            if row["slug"] in created_here:
                raise RowError("slug", f"duplicate key, first {_where(created_here[row['slug']])}")
            parent = None
            if row.get("parent_slug"):
                parent = Node.objects.filter(slug=row["parent_slug"]).first()
                if parent is None:
                    raise RowError("parent_slug", f"unknown node {row['parent_slug']!r}")
            if within is not None:
                if parent is None or not parent.is_within(within):
                    outside = row.get("parent_slug", "")
                    raise RowError("parent_slug", f"{outside!r} is outside {within.slug!r}'s subtree")
                stored = Node.objects.filter(slug=row["slug"]).first()
                if stored is not None and not stored.is_within(within):
                    raise RowError("slug", f"{row['slug']!r} is outside {within.slug!r}'s subtree")
            settings = {}
            if row.get("currency"):
                if len(row["currency"]) != 3 or not row["currency"].isalpha():
                    raise RowError("currency", f"{row['currency']!r} is not an ISO 4217 code")
                settings["currency"] = row["currency"].upper()
            if row.get("timezone"):
                try:
                    ZoneInfo(row["timezone"])
                except (ZoneInfoNotFoundError, ValueError):
                    raise RowError("timezone", f"unknown time zone {row['timezone']!r}") from None
                settings["timezone"] = row["timezone"]
            if row.get("fiscal_year_start_month"):
                settings["fiscal_year_start_month"] = _count(
                    "fiscal_year_start_month", row["fiscal_year_start_month"], 12
                )
                if settings["fiscal_year_start_month"] < 1:
                    raise RowError("fiscal_year_start_month", "must be between 1 and 12")
            before = Node.objects.filter(slug=row["slug"]).values("name", "kind", "parent__slug", *settings).first()
            created_here[row["slug"]] = reference
            if result.rejected:
                continue
            node_upsert(slug=row["slug"], name=row["name"], kind=kind, parent=parent, **settings)
        except RowError as error:
            report(f"{label}:{reference}: {error.column}: {error.reason}")
            result.rejected += 1
            continue
        except ValidationError as error:  # the tree's rules: a region under a network, and so on
            report(f"{label}:{reference}: parent_slug: {' '.join(error.messages)}")
            result.rejected += 1
            continue
        if before is None:
            result.created += 1
        elif before == {"name": row["name"], "kind": kind, "parent__slug": row.get("parent_slug") or None, **settings}:
            result.unchanged += 1
        else:
            result.updated += 1


def rollups_refresh_touched(touched_days):
    """Refresh the rollups of the days a batch touched, network by network."""
    for network_slug, days in touched_days.items():
        rollups_refresh(network=Node.objects.get(slug=network_slug), days=days)


def import_rows(kind, rows, *, label, report, within=None, dry_run=False, partial=True, refresh_rollups=True):
    """Import `rows`, an iterable of (reference, {column: value}) in the contract's columns for `kind` (nodes,
    campaigns, daily_metrics, leads, conversations, sales); `report` receives each error line, `label:reference:
    column: reason`. Nothing is written if any row is bad, or with `dry_run`.

    `within`: a node whose subtree every row must stay in (a data source's node). `partial`: a column a row leaves
    out keeps its stored value; False treats it as empty, as a CSV file's header does. `refresh_rollups`: False
    leaves the rollups of `result.touched_days` to the caller, who refreshes them once for several batches in the
    same transaction. Returns a FileResult.
    """
    if kind not in IMPORT_ORDER:
        raise ValueError(f"{label}: unknown kind {kind!r}; expected one of {', '.join(IMPORT_ORDER)}")
    result = FileResult(path=label, kind=kind, dry_run=dry_run)
    try:
        with transaction.atomic():
            if kind == "nodes":
                _import_nodes(rows, label, within, result, report)
            else:
                _import_facts(rows, label, FACT_FORMATS[kind](within=within, partial=partial), result, report)
            if not result.ok or dry_run:
                raise ImportAborted
            if refresh_rollups:
                rollups_refresh_touched(result.touched_days)
    except ImportAborted:
        pass
    return result


def _csv_rows(path, report, result, columns, required):
    """Yield (line number, row) of a CSV file; a header problem is reported against line 1 and yields nothing."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        problems = header_problems(header, columns, required)
        if problems:
            for column, reason in problems:
                report(f"{path.name}:1: {column}: {reason}")
            result.rejected += 1
            return
        for row in reader:
            yield reader.line_num, row


def header_problems(header, columns, required):
    return [(c, "missing required column") for c in required if c not in header] + [
        (c, "unknown column") for c in header if c not in columns
    ]


def csv_cells_regular(path, columns, required):
    """Yield (1, header), then (line number, cells) of a CSV file whose header is right and whose every row has a
    cell per column, with cells stripped, as _clean(_csv_rows(...)) would; raise NeedsRowByRow at the first thing
    that is not so (the row-by-row path then reports it). Faster: no DictReader, no per-cell checks."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        if header_problems(header, columns, required):
            raise bulk_import.NeedsRowByRow("header")
        yield 1, header
        width = len(header)
        for cells in reader:
            if len(cells) != width:
                if not cells:
                    continue  # a blank line, which csv.DictReader skips too
                raise bulk_import.NeedsRowByRow(f"line {reader.line_num}")
            yield reader.line_num, list(map(str.strip, cells))


def _csv_rows_regular(path, columns, required):
    """(line number, {column: cell}) of csv_cells_regular."""
    cells = csv_cells_regular(path, columns, required)
    _, header = next(cells)
    for line, row in cells:
        yield line, dict(zip(header, row, strict=True))


def import_file(path, *, report, dry_run=False, within=None):
    """Import one CSV file; `report` receives each error line. Nothing is written if any row is bad, or with
    `dry_run`. Returns a FileResult."""
    path = Path(path)
    kind = path.stem
    if kind not in IMPORT_ORDER:
        raise ValueError(
            f"{path.name}: not a known file; expected one of {', '.join(f + '.csv' for f in IMPORT_ORDER)}"
        )
    if kind != "nodes":
        fast = _import_file_fast(path, kind, dry_run=dry_run, within=within)
        if fast is not None:
            return fast
    header = FileResult(path=str(path), kind=kind, dry_run=dry_run)
    if kind == "nodes":
        columns, required = NODE_COLUMNS, NODE_REQUIRED
    else:
        columns, required = FACT_FORMATS[kind].required + FACT_FORMATS[kind].optional, FACT_FORMATS[kind].required
    rows = _csv_rows(path, report, header, columns, required)
    result = import_rows(kind, rows, label=path.name, report=report, within=within, dry_run=dry_run, partial=False)
    result.path = str(path)
    if not header.ok:
        result.rejected += header.rejected
        result.created = result.updated = result.unchanged = 0
    return result


def _import_file_fast(path, kind, *, dry_run, within):
    """import_file through kpis.bulk_import, or None when the file needs the row-by-row path (nothing written)."""
    fmt = FACT_FORMATS[kind](within=within, partial=False)
    if not bulk_import.supports(fmt):
        return None
    columns = fmt.columns, fmt.required
    result = FileResult(path=str(path), kind=kind, dry_run=dry_run)
    try:
        with transaction.atomic():
            staging = bulk_import.Staging(fmt)
            result.route = bulk_import.stage_converted_in_database(staging, fmt, path)
            if result.route is None:
                result.route = "python"
                bulk_import.stage_parsed(staging, _csv_rows_regular(path, *columns), fmt)
            bulk_import.import_staged(staging, fmt=fmt, result=result)
            if dry_run:
                raise ImportAborted
    except bulk_import.NeedsRowByRow:
        return None
    except ImportAborted:
        pass
    return result


def import_files(paths, *, report, dry_run=False, within=None):
    """Import files (or every known CSV of the given folders) in dependency order, each in its own transaction."""
    return [import_file(p, report=report, dry_run=dry_run, within=within) for p in csv_files(paths)]


def csv_files(paths):
    """The known CSV files among `paths` (a folder stands for the known files in it), in dependency order."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += [path / f"{kind}.csv" for kind in IMPORT_ORDER if (path / f"{kind}.csv").exists()]
        else:
            files.append(path)
    files.sort(key=lambda p: IMPORT_ORDER.index(p.stem) if p.stem in IMPORT_ORDER else len(IMPORT_ORDER))
    return files
