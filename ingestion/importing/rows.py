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

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from accounts.constants import NodeKind
from accounts.models import Node
from kpis.rollups import rollups_refresh_touched
from kpis.services import node_place

from .formats import (
    FACT_FORMATS,
    IMPORT_ORDER,
    NODE_COLUMNS,
    NODE_REQUIRED,
    RowError,
    column_range,
    parse_choice,
    parse_count,
    quoted,
    shown,
)

CHUNK = 2000


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
    # How the rows were read: "row by row", or the fast path's "python", "database conversion" or "database" (bulk.py).
    route: str = "row by row"
    # True: the file was good, but another file imported with it was not, and their one transaction wrote nothing.
    held_back: bool = False

    @property
    def ok(self):
        return self.rejected == 0


class ImportAborted(Exception):
    """Raised inside the batch's transaction to roll it back."""


class Rejection(str):
    """One reported problem: the line `label:reference: column: reason` that every `report` receives (a str), with
    its parts kept for a caller that answers them one by one (a webhook's answer names each record's problems)."""

    def __new__(cls, label, reference, column, reason):
        line = super().__new__(cls, f"{label}:{reference}: {column}: {reason}")
        line.reference, line.column, line.reason = reference, column, reason
        return line


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


def _cell(column, value):
    """A value from JSON or Python as the text a CSV cell would hold, stripped; None is empty ("unknown")."""
    if isinstance(value, str):
        text = value.strip()
    elif value is None:
        return ""
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif isinstance(value, int | float | Decimal):
        text = str(value)
    else:
        raise RowError(column, f"{type(value).__name__} is not a single value")
    if "\x00" in text:  # no column can hold it: PostgreSQL refuses it in any text, even in a lookup's parameter
        raise RowError(column, "holds a NUL character")
    return text


def _clean(rows, columns, label, report, result):
    """Yield (reference, row) with text cells, stripped; a row that is not an object, or has a column the format
    does not know, is reported and skipped."""
    known = set(columns)
    for reference, row in rows:
        if not isinstance(row, dict):
            report(Rejection(label, reference, "-", "is not an object with the format's columns"))
            result.rejected += 1
            continue
        if not known.issuperset(row):
            for column in sorted(row.keys() - known, key=str):
                # csv.DictReader files the cells beyond the header under None
                report(Rejection(label, reference, "-", "more cells than columns") if column is None else
                       Rejection(label, reference, shown(column), "unknown column"))  # fmt: skip
            result.rejected += 1
            continue
        try:
            yield reference, {k: _cell(k, v) for k, v in row.items()}
        except RowError as error:
            report(Rejection(label, reference, error.column, error.reason))
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
                    report(Rejection(label, reference, error.column, error.reason))
                    result.rejected += 1
                    continue
                key = fmt.key(values)
                if key in parsed:
                    first = _where(parsed[key][0])
                    report(Rejection(label, reference, fmt.key_label, f"duplicate key, first {first}"))
                    result.rejected += 1
                    continue
                values["_columns"] = frozenset(row)
                parsed[key] = (reference, values)
            for key, first in seen.first_seen(parsed).items():
                reference = parsed.pop(key)[0]
                report(Rejection(label, reference, fmt.key_label, f"duplicate key, first {first}"))
                result.rejected += 1
            seen.add({key: _where(reference) for key, (reference, _) in parsed.items()})
            existing = fmt.existing(list(parsed)) if parsed and (fmt.within or not result.rejected) else {}
            if fmt.within is not None:
                for key, instance in existing.items():
                    node = fmt.owner(instance)
                    if node is not None and not node.is_within(fmt.within):
                        reference = parsed.pop(key)[0]
                        reason = f"{quoted(key)} belongs to {node.slug}, outside {fmt.within.slug!r}'s subtree"
                        report(Rejection(label, reference, fmt.key_label, reason))
                        result.rejected += 1
            for key, column, reason in fmt.refused_changes(parsed, existing):
                if key in parsed:
                    report(Rejection(label, parsed.pop(key)[0], column, reason))
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


def _import_nodes(rows, label, within, result, report):
    """Nodes are few: each goes through node_place, which keeps the materialised paths (and the rollups') right."""
    created_here = {}
    for reference, row in _clean(rows, NODE_COLUMNS, label, report, result):
        try:
            missing = next((c for c in NODE_REQUIRED if not row.get(c)), None)
            if missing:
                raise RowError(missing, "is required")
            kind = parse_choice("kind", row["kind"], set(NodeKind.values))
            if row["slug"] in created_here:
                raise RowError("slug", f"duplicate key, first {_where(created_here[row['slug']])}")
            parent = None
            if row.get("parent_slug"):
                parent = Node.objects.filter(slug=row["parent_slug"]).first()
                if parent is None:
                    raise RowError("parent_slug", f"unknown node {quoted(row['parent_slug'])}")
            if within is not None:
                if parent is None or not parent.is_within(within):
                    outside = row.get("parent_slug", "")
                    raise RowError("parent_slug", f"{quoted(outside)} is outside {within.slug!r}'s subtree")
                stored = Node.objects.filter(slug=row["slug"]).first()
                if stored is not None and not stored.is_within(within):
                    raise RowError("slug", f"{quoted(row['slug'])} is outside {within.slug!r}'s subtree")
            settings = {}
            if row.get("currency"):
                if len(row["currency"]) != 3 or not row["currency"].isalpha():
                    raise RowError("currency", f"{quoted(row['currency'])} is not an ISO 4217 code")
                settings["currency"] = row["currency"].upper()
            if row.get("timezone"):
                try:
                    ZoneInfo(row["timezone"])
                except (ZoneInfoNotFoundError, ValueError):
                    raise RowError("timezone", f"unknown time zone {quoted(row['timezone'])}") from None
                settings["timezone"] = row["timezone"]
            if row.get("fiscal_year_start_month"):
                month = "fiscal_year_start_month"
                settings[month] = parse_count(month, row[month], column_range(Node, month))
            before = Node.objects.filter(slug=row["slug"]).values("name", "kind", "parent__slug", *settings).first()
            created_here[row["slug"]] = reference
            if result.rejected:
                continue
            node_place(slug=row["slug"], name=row["name"], kind=kind, parent=parent, **settings)
        except RowError as error:
            report(Rejection(label, reference, error.column, error.reason))
            result.rejected += 1
            continue
        except ValidationError as error:  # the tree's rules: a region under a network, and so on
            report(Rejection(label, reference, "parent_slug", " ".join(error.messages)))
            result.rejected += 1
            continue
        if before is None:
            result.created += 1
        elif before == {"name": row["name"], "kind": kind, "parent__slug": row.get("parent_slug") or None, **settings}:
            result.unchanged += 1
        else:
            result.updated += 1


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
