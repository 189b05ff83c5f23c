"""The fast path of a CSV file of facts into PostgreSQL, taken by kpis.importing.import_file when it can.

Rows are read, checked and converted by the same formats as on the row-by-row path (kpis.importing), so a value
means the same on both; what changes is how they are written. They go with COPY into a temporary staging table,
and then a handful of statements over the whole file do the rest: find the stored rows of the same keys, tell the
changed from the unchanged, update the changed, insert the new. New leads are added to the rollups
(rollups_add_new_leads) instead of recomputing every fact of their days; every other change refreshes exactly
the days it touched, and a file that changes nothing refreshes nothing.

The fast path gives up, having written nothing, as soon as a file needs the row-by-row path's care: a bad row, a
key given twice, a stored row outside the import's subtree. import_file then imports the file row by row, which
reports every problem with its line, as it always did.
"""

from collections import defaultdict
from operator import itemgetter

from django.db import connection
from django.db.models.expressions import RawSQL

from accounts.constants import PATH_SEPARATOR
from accounts.models import Node

from .models import Lead
from .rollups import rollups_add_new_leads

CHUNK = 5000
STAGE, MATCHED, NEW = "import_stage", "import_matched", "import_new_ids"


class NeedsRowByRow(Exception):
    """The file needs the row-by-row path (its problems are reported there); raised to roll back."""


def _q(*names):
    return ", ".join(connection.ops.quote_name(n) for n in names)


def supports(fmt):
    """True when `fmt` (a kpis.importing format) can take the fast path here."""
    return connection.vendor == "postgresql" and bool(fmt.bulk_keys) and not fmt.partial


class Staging:
    """The file's rows as the formats parsed them, in a temporary table: its line, then the format's key and
    fields, in the target table's column types."""

    def __init__(self, fmt):
        by_attname = {f.attname: f for f in fmt.model._meta.concrete_fields}
        self.columns = list(dict.fromkeys([*fmt.bulk_keys, *fmt.fields]))
        types = ", ".join(f"{_q(c)} {by_attname[c].db_type(connection)}" for c in self.columns)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}, {MATCHED}, {NEW}")
            cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} (line BIGINT NOT NULL, {types}) ON COMMIT DROP")
            cursor.execute(f"SELECT atttypid FROM pg_attribute WHERE attrelid = '{STAGE}'::regclass AND attnum > 0 "
                           "AND NOT attisdropped ORDER BY attnum")  # fmt: skip
            self.type_oids = [oid for (oid,) in cursor.fetchall()]

    def write(self, rows):
        """COPY `rows`, a list of (line, {field: value}), into the staging table (binary: half the client's time
        of text)."""
        cells = itemgetter(*self.columns)
        with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {STAGE} (line, {_q(*self.columns)}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(self.type_oids)
            for line, values in rows:
                copy.write_row((line, *cells(values)))


def _rows_parsed(rows, fmt):
    """Yield lists of (line, values) from the cleaned rows, a chunk at a time; the first bad row ends the fast
    path."""
    chunk = []

    def parsed():
        fmt.prepare([row for _, row in chunk])
        out = []
        for line, row in chunk:
            if any(not row.get(c) for c in fmt.required):
                raise NeedsRowByRow
            try:
                out.append((line, fmt.parse(row)))
            except ValueError as error:  # RowError, or anything else a parser refuses
                raise NeedsRowByRow from error
        chunk.clear()
        return out

    for line, row in rows:
        chunk.append((line, row))
        if len(chunk) >= CHUNK:
            yield parsed()
    if chunk:
        yield parsed()


def _node_of(fmt, alias):
    """SQL for the node a row of the target (or staging) table hangs on."""
    if fmt.node_field:
        return f"{alias}.{_q(fmt.node_field)}"
    return f"(SELECT c.node_id FROM kpis_campaign c WHERE c.id = {alias}.campaign_id)"


def _days_touched(cursor, sql):
    """{network slug: days} from `sql`, a query of (node id, day) pairs."""
    cursor.execute(
        f"SELECT DISTINCT split_part(n.path, %s, 2), t.day FROM ({sql}) t (node_id, day) "
        "JOIN accounts_node n ON n.id = t.node_id",
        [PATH_SEPARATOR],
    )
    touched = defaultdict(set)
    for network, day in cursor.fetchall():
        touched[network].add(day)
    return touched


def _merge_days(into, more):
    for network, days in more.items():
        into[network] |= days


def import_bulk(rows, *, fmt, result, refresh_rollups=True):
    """Import `rows` ((line, row) pairs, cleaned) with `fmt` into its table, counting into `result`. Raises
    NeedsRowByRow (nothing written) when the file needs the row-by-row path. Runs inside the caller's
    transaction; refreshes the rollups of what changed unless `refresh_rollups` is False."""
    table, day, keys = _q(fmt.model._meta.db_table), _q(fmt.day_field), fmt.bulk_keys
    staging = Staging(fmt)
    for parsed in _rows_parsed(rows, fmt):
        staging.write(parsed)
    fields = [f for f in fmt.fields if f not in keys]
    on_keys = " AND ".join(f"t.{_q(k)} = s.{_q(k)}" for k in keys)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {STAGE}")
        cursor.execute(f"SELECT 1 FROM {STAGE} GROUP BY {_q(*keys)} HAVING COUNT(*) > 1 LIMIT 1")
        if cursor.fetchone():
            raise NeedsRowByRow
        # The stored rows of the file's keys, whether they change, and what they hung on before (for the rollups).
        lead_before = ", t.lead_id AS lead_before" if "lead_id" in fmt.fields else ""
        cursor.execute(
            f"CREATE TEMPORARY TABLE {MATCHED} ON COMMIT DROP AS SELECT s.line, t.id AS target_id, "
            f"ROW({', '.join(f't.{_q(f)}' for f in fields)}) IS DISTINCT FROM "
            f"ROW({', '.join(f's.{_q(f)}' for f in fields)}) AS changed, "
            f"t.{day} AS day_before, {_node_of(fmt, 't')} AS node_before{lead_before} "
            f"FROM {STAGE} s JOIN {table} t ON {on_keys}"
        )
        if fmt.within is not None and fmt.node_field:
            cursor.execute(
                f"SELECT 1 FROM {MATCHED} m JOIN accounts_node n ON n.id = m.node_before "
                "WHERE NOT starts_with(n.path, %s) LIMIT 1",
                [fmt.within.path],
            )
            if cursor.fetchone():
                raise NeedsRowByRow
        cursor.execute(f"SELECT (SELECT COUNT(*) FROM {STAGE}), COUNT(*), COUNT(*) FILTER (WHERE changed) "
                       f"FROM {MATCHED}")  # fmt: skip
        total, matched, changed = cursor.fetchone()
        result.created, result.updated, result.unchanged = total - matched, changed, matched - changed

        # Days to recompute: both sides of every changed row, and the days of new rows other than leads.
        refresh = defaultdict(set)
        if changed:
            _merge_days(refresh, _days_touched(
                cursor, f"SELECT m.node_before, m.day_before FROM {MATCHED} m WHERE m.changed UNION "
                f"SELECT {_node_of(fmt, 's')}, s.{day} FROM {STAGE} s JOIN {MATCHED} m USING (line) WHERE m.changed"))
            if lead_before:  # a conversation's lead counts "chatbot customers" on the lead's day
                _merge_days(refresh, _days_touched(
                    cursor, f"SELECT l.node_id, l.day FROM {MATCHED} m JOIN {STAGE} s USING (line) "
                    f"JOIN kpis_lead l ON l.id IN (m.lead_before, s.lead_id) WHERE m.changed"))
            cursor.execute(
                f"UPDATE {table} t SET ({_q(*fields)}) = ({', '.join(f's.{_q(f)}' for f in fields)}) "
                f"FROM {STAGE} s JOIN {MATCHED} m USING (line) WHERE m.changed AND t.id = m.target_id"
            )
        added = defaultdict(set)
        if total > matched:
            columns = staging.columns
            is_new = f"NOT EXISTS (SELECT 1 FROM {MATCHED} m WHERE m.line = s.line)"
            cursor.execute(f"CREATE TEMPORARY TABLE {NEW} (id BIGINT PRIMARY KEY) ON COMMIT DROP")
            cursor.execute(
                f"WITH inserted AS (INSERT INTO {table} ({_q(*columns)}) "
                f"SELECT {', '.join(f's.{_q(c)}' for c in columns)} FROM {STAGE} s WHERE {is_new} "
                f"ORDER BY s.line RETURNING id) INSERT INTO {NEW} SELECT id FROM inserted"
            )
            days = _days_touched(cursor, f"SELECT {_node_of(fmt, 's')}, s.{day} FROM {STAGE} s WHERE {is_new}")
            _merge_days(added if fmt.model is Lead else refresh, days)
            if lead_before:
                _merge_days(refresh, _days_touched(cursor, f"SELECT l.node_id, l.day FROM {STAGE} s "
                                                   f"JOIN kpis_lead l ON l.id = s.lead_id WHERE {is_new}"))  # fmt: skip
    _merge_days(result.touched_days, refresh)
    _merge_days(result.touched_days, added)
    if refresh_rollups and not result.dry_run:
        _rollups_follow(added, refresh)


def _rollups_follow(added, refresh):
    """New leads are added to their networks' rollups; the other days touched are recomputed."""
    from .importing import rollups_refresh_touched

    for slug in added:
        network = Node.objects.get(slug=slug)
        new_leads = Lead.objects.filter(pk__in=RawSQL(f"SELECT id FROM {NEW}", []))
        rollups_add_new_leads(network=network, leads=new_leads)
    rollups_refresh_touched(refresh)

