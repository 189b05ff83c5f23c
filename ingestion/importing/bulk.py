"""The fast path of a CSV file of facts into PostgreSQL, taken by import_file (files.py) when it can.

The file's rows go into a temporary staging table, in the target table's column types, by one of three routes:
- the database reads and converts them (a leads.csv without quotes whose every value is in the plain form, see
  DATABASE_CONVERSIONS): Python checks the header and passes the file's bytes to COPY, and one INSERT ... SELECT
  checks and converts every row;
- Python reads them with its csv module and the database converts them (the same, for a file with quotes);
- Python parses them with the same formats as the row-by-row path (formats.py) and copies the values.
Then a handful of statements over the whole file do the rest: find the stored rows of the same keys, tell the
changed from the unchanged, update the changed, insert the new. New leads are added to the rollups
(rollups_add_new_leads) instead of recomputing every fact of their days; every other change refreshes exactly
the days it touched, and a file that changes nothing refreshes nothing.

The fast path gives up, having written nothing, as soon as a file needs the row-by-row path's care: a bad row, a
key given twice, a stored row outside the import's subtree. import_file then imports the file row by row, which
reports every problem with its line, as it always did.
"""

import csv
import sys
from collections import defaultdict
from functools import cache
from operator import itemgetter

from django.db import DatabaseError, connection, transaction
from django.db.models.expressions import RawSQL

from accounts.constants import PATH_SEPARATOR, NodeKind
from accounts.models import Node
from kpis.models import Conversation, Lead
from kpis.periods import FIRST_DAY, LAST_DAY
from kpis.rollups import bulk_work_mem, rollups_add_new_leads, rollups_refresh_touched

from .csv_reading import NeedsRowByRow, csv_cells_regular, csv_open, header_problems
from .formats import FALSE, TRUE, column_range

CHUNK = 5000
STAGE, MATCHED, NEW, RAW = "import_stage", "import_matched", "import_new_ids", "import_raw"


def _q(*names):
    return ", ".join(connection.ops.quote_name(n) for n in names)


def supports(fmt):
    """True when `fmt` (a format of formats.py) can take the fast path here."""
    return connection.vendor == "postgresql" and bool(fmt.bulk_keys) and not fmt.partial


class Staging:
    """The file's rows as the formats parsed them, in a temporary table: its line, then the format's key and
    fields, in the target table's column types."""

    def __init__(self, fmt):
        bulk_work_mem()
        by_attname = {f.attname: f for f in fmt.model._meta.concrete_fields}
        self.columns = list(dict.fromkeys([*fmt.bulk_keys, *fmt.fields]))
        types = ", ".join(f"{_q(c)} {by_attname[c].db_type(connection)}" for c in self.columns)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}, {MATCHED}, {NEW}, {RAW}")
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


def stage_parsed(staging, rows, fmt):
    """Stage `rows` ((line, row) pairs, cleaned), parsed in Python by `fmt`; raises NeedsRowByRow at a bad row."""
    for parsed in _rows_parsed(rows, fmt):
        staging.write(parsed)


# Converting in the database -------------------------------------------------------------------------------------
# Parsing a million rows in Python costs more than everything the database then does with them. A file whose
# values are all written the plain way (ISO 8601 time stamps with their offset, digits, true/false words, known
# nodes and campaigns) is staged as text and converted by one INSERT ... SELECT instead, which gives the values
# LeadFormat.parse would give: each check below admits only values on which Python and PostgreSQL agree, and the
# tests compare both ways on the same files. A single value outside that form (a naive time stamp, "+5", "1e3",
# an unknown node) and the file is parsed in Python after all; a bad value is then reported by the row-by-row path.

# Checks without regular expressions: PostgreSQL converts every cell to wide characters before matching one, which
# cost more than all the rest of the conversion put together (about 1.5 us a cell at least).
DIGITS = "'0123456789'"  # as SQL
# The time stamp's date and time, rendered back as the database reads them: equal to what the file says only when it
# was written the plain way with digits where digits go (hours 00-23 and seconds 00-59: PostgreSQL reads 24:00:00
# and a leap second, which Python refuses).
SAME_DATE_AND_TIME = ("substr(r.created_at, 11, 1) IN ('T', ' ') AND left(r.created_at, 1) <> '0' "
                      "AND left(r.created_at, 19)::timestamp::text = overlay(left(r.created_at, 19) placing ' ' "
                      "from 11 for 1)")  # fmt: skip
# After the seconds, up to six decimals, then Z or an offset +HH:MM / -HH:MM (minutes 00-59); r.fraction is what
# lies between the seconds and the offset (NULL when the end is neither).
FRACTION = ("CASE WHEN right(r.created_at, 1) = 'Z' "
            "THEN substr(r.created_at, 20, greatest(length(r.created_at) - 20, 0)) "
            "WHEN substr(r.created_at, length(r.created_at) - 5, 1) IN ('+', '-') "
            f"AND translate(right(r.created_at, 5), {DIGITS}, '') = ':' "
            "AND right(r.created_at, 2) < '60' COLLATE \"C\" "
            "THEN substr(r.created_at, 20, greatest(length(r.created_at) - 25, 0)) END")  # fmt: skip


def _plain_number(cell, limits):
    """A condition (SQL, parameters) on `cell`, a text column of RAW: empty, or a number of the column whose range is
    `limits` (formats.column_range, as Python checks it), written plainly: digits, then for a decimal column a dot
    and 1 to `places` digits; no sign (a negative number, or one below the lowest, is left to Python, which says
    why), no more digits before the dot than the highest value has (nor a longer number with leading zeros). The
    value is compared with the highest only once its form is known to be right (a CASE, whose order PostgreSQL
    keeps), so that no cast can fail."""
    width = len(str(int(limits.highest)))
    if limits.places is None:
        form = f"length({cell}) BETWEEN 1 AND {width} AND translate({cell}, {DIGITS}, '') = ''"
    else:
        form = (f"translate({cell}, {DIGITS}, '') IN ('', '.') AND CASE strpos({cell}, '.') "
                f"WHEN 0 THEN length({cell}) BETWEEN 1 AND {width} "
                f"ELSE strpos({cell}, '.') BETWEEN 2 AND {width + 1} "
                f"AND length({cell}) - strpos({cell}, '.') BETWEEN 1 AND {limits.places} END")  # fmt: skip
    return f"({cell} = '' OR CASE WHEN {form} THEN {cell}::numeric <= %s ELSE false END)", [limits.highest]


def _leads_converted(fmt, true_words, false_words):
    """For leads.csv: the joins of import_raw r to what its rows name (and the cells' first conversions), {staging
    column: SQL expression over r and the joined columns}, and the conditions every row must meet; each as (SQL,
    parameters)."""
    joined = (
        "SELECT r.*, n.id AS node_ref, n.kind AS node_kind, n.path AS node_path, net.timezone AS zone, "
        f"c.id AS campaign_ref, cn.path AS campaign_path, r.created_at::timestamptz AS moment, {FRACTION} AS fraction "
        "FROM {raw} r "
        "LEFT JOIN accounts_node n ON n.slug = r.node_slug "
        "LEFT JOIN accounts_node net ON net.slug = split_part(n.path, %s, 2) "
        "LEFT JOIN kpis_campaign c ON c.external_id = r.campaign_external_id "
        "LEFT JOIN accounts_node cn ON cn.id = c.node_id",
        [PATH_SEPARATOR],
    )
    flag = "CASE WHEN r.{0} = '' THEN NULL ELSE lower(r.{0}) = ANY(%s) END"
    numbers = ("score", "revenue", "purchases")
    number_type = {c: Lead._meta.get_field(c).cast_db_type(connection) for c in numbers}
    columns = {
        "external_id": ("r.external_id", []),
        "created_at": ("r.moment", []),
        "day": ("(r.moment AT TIME ZONE r.zone)::date", []),
        "node_id": ("r.node_ref", []),
        "campaign_id": ("r.campaign_ref", []),
        "source": ("r.source", []), "medium": ("r.medium", []), "segment": ("r.segment", []),
        "score": (f"NULLIF(r.score, '')::{number_type['score']}", []),
        "qualified": (flag.format("qualified"), [list(true_words)]),
        "customer": (flag.format("customer"), [list(true_words)]),
        "revenue": (f"NULLIF(r.revenue, '')::{number_type['revenue']}", []),
        "purchases": (f"NULLIF(r.purchases, '')::{number_type['purchases']}", []),
    }  # fmt: skip
    words = [*true_words, *false_words]
    conditions = [
        ("r.node_kind = %s AND r.zone IS NOT NULL", [NodeKind.FRANCHISEE]),
        ("r.external_id <> '' AND length(r.external_id) <= 120", []),
        (SAME_DATE_AND_TIME, []),
        # The bounds of kpis.periods, which start on 1 January and end on 31 December: a year's digits say it.
        ("left(r.created_at, 4) BETWEEN %s AND %s COLLATE \"C\"", [f"{FIRST_DAY.year:04d}", f"{LAST_DAY.year:04d}"]),
        ("(r.fraction = '' OR (left(r.fraction, 1) = '.' AND length(r.fraction) BETWEEN 2 AND 7 "
         f"AND translate(substr(r.fraction, 2), {DIGITS}, '') = ''))", []),
        ("(r.campaign_external_id = '' OR starts_with(r.node_path, r.campaign_path))", []),
        ("length(r.source) <= 120 AND length(r.medium) <= 120 AND length(r.segment) <= 120", []),
        # lower() of ASCII letters is the same in Python and in every database locale; a word of one byte a
        # character is ASCII.
        *[(f"(r.{c} = '' OR (octet_length(r.{c}) = length(r.{c}) AND lower(r.{c}) = ANY(%s)))", [words])
          for c in ("qualified", "customer")],
        # Each number within the range of its column, as Python checks it (a score within MAX_LEAD_SCORE too).
        *[_plain_number(f"r.{c}", column_range(Lead, c)) for c in numbers],
    ]  # fmt: skip
    if fmt.within is not None:
        conditions.append(("starts_with(r.node_path, %s)", [fmt.within.path]))
    return joined, columns, conditions


DATABASE_CONVERSIONS = {"leads": _leads_converted}


class _NotPlain(Exception):
    """A value of the file is not in the plain form the database conversion takes."""


def stage_converted_in_database(staging, fmt, path):
    """Stage the rows of the CSV file at `path` converted by the database, when `fmt` has a conversion there and
    every row is in its plain form. The database reads the file itself when nothing in it could be read otherwise
    by Python's csv module (see _raw_copied); else Python reads it, as the rest of the fast path does. Returns the
    route taken, "database" (read and converted there) or "database conversion" (read by Python), or None, having
    staged nothing, when the file must be parsed in Python."""
    if fmt.name not in DATABASE_CONVERSIONS:
        return None
    joined, columns, conditions = DATABASE_CONVERSIONS[fmt.name](fmt, sorted(TRUE), sorted(FALSE))
    assert list(columns) == staging.columns, "the conversion must give every staging column"
    text = ", ".join(f"{_q(c)} TEXT NOT NULL DEFAULT ''" for c in fmt.columns)
    raw = f"CREATE TEMPORARY TABLE {RAW} (line BIGINT GENERATED BY DEFAULT AS IDENTITY (START WITH 2), {text}) " \
          "ON COMMIT DROP"  # fmt: skip
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(raw)
            route, padded = "database", _raw_copied(cursor, path, fmt)
            if padded is None:
                route = "database conversion"
                _cells_copied(cursor, csv_cells_regular(path, fmt.columns, fmt.required))  # stripped by Python
            elif padded:
                # Rare, and dear: stripping every cell costs more than the whole conversion.
                cursor.execute(f"UPDATE {RAW} SET {', '.join(f'{_q(c)} = btrim({_q(c)}, %s)' for c in fmt.columns)}",
                               [python_whitespace()] * len(fmt.columns))  # fmt: skip
            cursor.execute(f"ANALYZE {RAW}")  # without statistics, the joins below would be nested loops
            cursor.execute("SELECT set_config('datestyle', 'ISO, YMD', true)")  # SAME_DATE_AND_TIME reads ISO
            # The joins in a subquery of their own (OFFSET 0 keeps the planner from merging it): the planner cannot
            # tell how many rows the conditions let through, and taking them for a handful it would join every row
            # to every node. Not a materialized CTE either: its million wide rows would be written to disk.
            cursor.execute(
                f"INSERT INTO {STAGE} (line, {_q(*columns)}) "
                f"SELECT r.line, {', '.join(sql for sql, _ in columns.values())} "
                f"FROM ({joined[0].format(raw=RAW)} OFFSET 0) r WHERE {' AND '.join(sql for sql, _ in conditions)}",
                [*(p for _, ps in columns.values() for p in ps), *joined[1], *(p for _, ps in conditions for p in ps)],
            )
            staged = cursor.rowcount
            cursor.execute(f"SELECT COUNT(*) FROM {RAW}")
            if cursor.fetchone()[0] != staged:
                raise _NotPlain
            cursor.execute(f"DROP TABLE {RAW}")
    except (_NotPlain, DatabaseError):  # a value out of range ("2025-02-30") is a database error: Python says why
        return None
    return route


CELL_ENDS = (b",", b"\n", b"\r")  # what may stand beside a cell in a file without quotes


@cache
def python_whitespace():
    """What str.strip() removes: the characters of str.isspace(), asked of Python itself (0.1 s, once) rather than
    listed, so that the database strips exactly what this Python's Unicode tables say."""
    return "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())


@cache
def _whitespace_bytes():
    """Each of them in UTF-8, but the line ends (a cell cannot hold one outside quotes)."""
    return [c.encode() for c in python_whitespace() if c not in "\r\n"]


BLOCK = 1 << 20


def _padded(window):
    """Whether a cell in `window` (bytes of a CSV file without quotes) begins or ends with whitespace. A few
    substring searches, each a C loop: a regular expression over the file would cost seconds."""
    for space in _whitespace_bytes():
        if space in window and any(end + space in window or space + end in window for end in CELL_ENDS):
            return True
    return False


def _raw_copied(cursor, path, fmt):
    """COPY the body of the CSV file at `path` into RAW, read by PostgreSQL's own CSV reader: Python checks the
    header and passes the bytes on. Returns whether a cell begins or ends with whitespace (Python would strip it),
    or None, having copied nothing, when the file holds a double quote or a backslash followed by a dot, on which
    the two readers may disagree (a quote inside a field, the end-of-data marker), or a line the database cannot
    read (a blank line, a missing cell, bytes that are not UTF-8). Raises NeedsRowByRow at a header the row-by-row
    path must report."""
    with csv_open(path, binary=True) as handle:
        first = handle.readline()
        if b'"' in first:
            return None
        try:
            header = [h.strip() for h in next(csv.reader([first.decode("utf-8-sig")]), [])]
        except UnicodeDecodeError:
            return None
        if header_problems(header, fmt.columns, fmt.required):
            raise NeedsRowByRow("header")
        names, padded = _q(*header), False
        try:
            with transaction.atomic(), cursor.cursor.copy(
                f"COPY {RAW} ({names}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL ({names}))"
            ) as copy:
                tail = b"\n"  # the end of what came before: the header's line
                while block := handle.read(BLOCK):
                    window = tail + block
                    if b'"' in block or b"\\." in window:
                        raise _NotPlain
                    padded = padded or _padded(window)
                    copy.write(block)
                    tail = window[-3:]  # a delimiter and a space of up to 3 bytes may straddle two blocks
                padded = padded or _padded(tail + b"\n")
        except (_NotPlain, DatabaseError, connection.Database.Error):  # the raw cursor's errors are psycopg's
            return None  # back to the savepoint: the table is there, empty, for Python's reading
    return padded


def _cells_copied(cursor, cells):
    """COPY the cells Python read into RAW."""
    _, header = next(cells)
    with cursor.cursor.copy(f"COPY {RAW} (line, {_q(*header)}) FROM STDIN") as copy:
        for line, row in cells:
            copy.write_row((line, *row))


def _rows_parsed(rows, fmt):
    """Yield lists of (line, values) from the cleaned rows, a chunk at a time; the first bad row ends the fast
    path."""
    chunk = []

    def parsed():
        fmt.prepare([row for _, row in chunk])
        out, required = [], fmt.required
        for line, row in chunk:
            if not all(map(row.get, required)):
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


def import_staged(staging, *, fmt, result, refresh_rollups=True):
    """Import the rows of `staging` into `fmt`'s table, counting into `result`. Raises NeedsRowByRow (nothing
    written) when the file needs the row-by-row path. Runs inside the caller's transaction; refreshes the rollups
    of what changed unless `refresh_rollups` is False."""
    table, day, keys = _q(fmt.model._meta.db_table), _q(fmt.day_field), fmt.bulk_keys
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
        if fmt.model is Lead:  # a lead moved away from the conversations linked to it (LeadFormat.refused_changes)
            cursor.execute(
                f"SELECT 1 FROM {MATCHED} m JOIN {STAGE} s USING (line) "
                f"JOIN {_q(Conversation._meta.db_table)} c ON c.lead_id = m.target_id "
                "WHERE m.changed AND s.node_id <> m.node_before AND c.node_id <> s.node_id LIMIT 1"
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
    if added:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MIN(id), MAX(id) FROM {NEW}")
            first, last = cursor.fetchone()
        # The range lets the database read the new rows where they were just appended, one after the other, rather
        # than look each one up in the index.
        new_leads = Lead.objects.filter(pk__range=(first, last), pk__in=RawSQL(f"SELECT id FROM {NEW}", []))
    for slug in added:
        rollups_add_new_leads(network=Node.objects.get(slug=slug), leads=new_leads)
    rollups_refresh_touched(refresh)

