"""What test files would otherwise write again and again, written once: the people and how they log in (a fixture
person, a demo person, in a browser, with an API token), reading what a response exports (CSV rows, a PDF's text),
a finished sync run, the contract's CSV files, and a real Celery worker for the tests that go through Redis.

The named people and places (network, region_nord, franchisee_lille, franchisor, executive...) are pytest fixtures,
in tests/conftest.py; the factories of rows are in tests/factories.py.
"""

import codecs
import csv
import io
import os
import re
import subprocess
import sys
import time
import zipfile
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

from django.core.validators import MaxValueValidator
from django.db import connection, models
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.authtoken.models import Token

from accounts.services import user_grant
from config.celery import app
from ingestion.constants import SyncTrigger
from ingestion.demo_data import DEMO_DOMAIN, DEMO_PASSWORD
from ingestion.models import SyncRun

PASSWORD = "correct-horse-battery"
NBSP = "\xa0"  # the French thousands separator; "\u202f", the narrow one, is also met in PDFs


# People and logging in -----------------------------------------------------------------------------------------------
def person(email, role, node):
    """A person granted `role` on `node` (created on the way), who logs in with `email` and PASSWORD."""
    return user_grant(email=email, role=role, node=node, password=PASSWORD)[0]


def log_in(client, user):
    """Log `user` (made by person() or the factories, whose password is PASSWORD) in to the test client."""
    assert client.login(username=user.email, password=PASSWORD)


def demo_log_in(client, local):
    """Log the demo's person `local`@linguaviva.example (direction, marketing, region.sud, marseille...) in to the
    test client."""
    assert client.login(username=f"{local}@{DEMO_DOMAIN}", password=DEMO_PASSWORD)


def demo_log_in_page(page, live_server, local):
    """Log the demo's person `local`@linguaviva.example in through the login form, in the browser's `page`."""
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", f"{local}@{DEMO_DOMAIN}")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")


def token_auth(user):
    """The header that authenticates `user` to the API with their token, as keyword arguments of the test client."""
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


def token_client(client, user):
    """get(path, params): a GET of the API as `user`, authenticated by their token rather than a session."""
    auth = token_auth(user)
    return lambda path, params=None: client.get(path, params, **auth)


# What a response exports ---------------------------------------------------------------------------------------------
def csv_read(response):
    """(delimiter, rows) of a CSV response (streamed or not), once its content type and its byte order mark are
    checked: the delimiter the header line uses (`;` in French, `,` in English), and the rows as dicts by column."""
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(codecs.BOM_UTF8), content[:20]
    text = content[len(codecs.BOM_UTF8) :].decode()
    header = text.split("\r\n", 1)[0]
    delimiter = ";" if ";" in header else ","
    return delimiter, list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def csv_rows(response):
    """The rows of a CSV response (streamed or not) as dicts by column, read with its own delimiter."""
    return csv_read(response)[1]


def csv_number(text, decimal):
    """A number cell of a CSV written with `decimal` as its decimal mark, as a Decimal (None for an empty cell). A
    cell with the other mark, or any grouping, is not what the export promises and fails."""
    if text == "":
        return None
    assert re.fullmatch(rf"-?\d+(?:{re.escape(decimal)}\d+)?", text), (text, decimal)
    return Decimal(text.replace(decimal, "."))


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIP_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
XLSX_EPOCH = datetime(1899, 12, 30)  # day 0 of a spreadsheet's date serials (1900 date system)


def _xlsx_text(element):
    """The text of a string cell or shared string: its runs, with the characters XML cannot carry ("\r" is
    "_x000D_") decoded as spreadsheets decode them."""
    text = "".join(t.text or "" for t in element.iter(f"{SHEET_NS}t"))
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _xml(archive, name):
    return ElementTree.fromstring(archive.read(name))  # noqa: S314 - a file our own code under test just wrote


def _xlsx_date_styles(archive):
    """The indexes of the workbook's cell styles that show a number as a date (True) or a date and time ("time")."""
    styles = _xml(archive, "xl/styles.xml")
    codes = {int(f.get("numFmtId")): f.get("formatCode").lower() for f in styles.iter(f"{SHEET_NS}numFmt")}
    kinds = {}
    for index, xf in enumerate(styles.find(f"{SHEET_NS}cellXfs")):
        code = codes.get(int(xf.get("numFmtId", 0)), "")
        if "y" in code or "d" in code:
            kinds[index] = "time" if "h" in code else True
    return kinds


def xlsx_sheets(response):
    """{sheet name: rows} of an XLSX response (see xlsx_file_sheets), once its content type is checked."""
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    return xlsx_file_sheets(b"".join(response.streaming_content) if response.streaming else response.content)


def xlsx_file_sheets(content):
    """{sheet name: rows} of an XLSX file, read from its XML (no spreadsheet library): each row a list of values as
    the file types them (str for text, float for numbers, bool, date or datetime for numbers shown as dates, None for
    empty cells), once checked that no cell holds a formula."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = archive.namelist()
    shared = []
    if "xl/sharedStrings.xml" in names:
        for item in _xml(archive, "xl/sharedStrings.xml").iter(f"{SHEET_NS}si"):
            shared.append(_xlsx_text(item))
    dates = _xlsx_date_styles(archive)
    targets = {r.get("Id"): r.get("Target") for r in _xml(archive, "xl/_rels/workbook.xml.rels")}
    sheets = {}
    for sheet in _xml(archive, "xl/workbook.xml").iter(f"{SHEET_NS}sheet"):
        target = targets[sheet.get(f"{RELATIONSHIP_NS}id")]
        xml = _xml(archive, "xl/" + target.removeprefix("/xl/"))
        rows = []
        for row in xml.iter(f"{SHEET_NS}row"):
            cells = {}
            for cell in row.iter(f"{SHEET_NS}c"):
                assert cell.find(f"{SHEET_NS}f") is None, ElementTree.tostring(cell)  # no formula, ever
                letters = re.match(r"[A-Z]+", cell.get("r")).group(0)
                column = 0
                for letter in letters:
                    column = column * 26 + ord(letter) - ord("A") + 1
                kind, value = cell.get("t", "n"), cell.findtext(f"{SHEET_NS}v")
                if kind == "s":
                    cells[column - 1] = shared[int(value)]
                elif kind == "inlineStr":
                    cells[column - 1] = _xlsx_text(cell)
                elif kind == "b":
                    cells[column - 1] = value == "1"
                elif kind == "n" and value is not None:
                    number, style = float(value), dates.get(int(cell.get("s", 0)))
                    if style == "time":  # a fraction of a day: to the nearest second
                        number = XLSX_EPOCH + timedelta(seconds=round(number * 86400))
                    elif style:
                        number = (XLSX_EPOCH + timedelta(days=number)).date()
                    cells[column - 1] = number
                else:
                    raise AssertionError(f"unexpected cell {ElementTree.tostring(cell)!r}")
            rows.append([cells.get(index) for index in range(max(cells, default=-1) + 1)])
        sheets[sheet.get("name")] = rows
    return sheets


def xlsx_records(response):
    """The rows of an XLSX response's one sheet as dicts by column (its first row)."""
    (rows,) = xlsx_sheets(response).values()
    header = rows[0]
    return [dict(zip(header, row + [None] * (len(header) - len(row)), strict=True)) for row in rows[1:]]


def pdf_raw_text(content):
    """A PDF's text as extracted, page after page, its no-break spaces kept (to look for "4\xa0321 €" as set)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def pdf_text(content):
    """A PDF's text, flat: every run of white space, no-break spaces included, one plain space ("4 321 €")."""
    return re.sub(r"\s+", " ", pdf_raw_text(content).replace("\u202f", " ").replace(NBSP, " "))


def pdf_title(content):
    """The title in a PDF's metadata."""
    return PdfReader(io.BytesIO(content)).metadata.title


# Rows ----------------------------------------------------------------------------------------------------------------
def slugs(queryset):
    """The slugs of a queryset of nodes, in its order."""
    return list(queryset.values_list("slug", flat=True))


def finished_run(source, status, *, hours_ago, **fields):
    """A scheduled sync run of `source` with `status`, queued, started and finished `hours_ago` hours ago."""
    at = timezone.now() - timedelta(hours=hours_ago)
    return SyncRun.objects.create(source=source, trigger=SyncTrigger.SCHEDULE, status=status, queued_at=at,
                                  started_at=at, finished_at=at, **fields)  # fmt: skip


# The contract's CSV files --------------------------------------------------------------------------------------------
NODES = [
    {"slug": "acme", "name": "Acme", "kind": "network", "parent_slug": "", "currency": "EUR",
     "timezone": "Europe/Paris", "fiscal_year_start_month": "9"},
    {"slug": "nord", "name": "Nord", "kind": "region", "parent_slug": "acme"},
    {"slug": "sud", "name": "Sud", "kind": "region", "parent_slug": "acme"},
    {"slug": "lille", "name": "Lille", "kind": "franchisee", "parent_slug": "nord"},
    {"slug": "roubaix", "name": "Roubaix", "kind": "franchisee", "parent_slug": "nord"},
    {"slug": "nice", "name": "Nice", "kind": "franchisee", "parent_slug": "sud"},
]  # fmt: skip


def write_csv(folder, name, rows, columns=None):
    """Write `rows` (dicts) to `folder`/`name`.csv, with `columns` or every key met, in order; return its path."""
    columns = columns or list(dict.fromkeys(c for row in rows for c in row))
    path = folder / f"{name}.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def column_highest(model, name):
    """(the largest value the database column of `model`'s numeric field `name` holds, the smallest step above it),
    from the field: max_digits and decimal_places, or the range PostgreSQL (the system of record, whatever database
    the tests run on) gives the integer type, narrowed by the field's own maximum (a lead's score). What an import
    must refuse beyond, known without the import's code."""
    field = model._meta.get_field(name)
    if isinstance(field, models.DecimalField):
        step = Decimal(10) ** -field.decimal_places
        return Decimal(10) ** (field.max_digits - field.decimal_places) - step, step
    top = PostgresOperations.integer_field_ranges[field.get_internal_type()][1]
    return min([top, *(v.limit_value for v in field.validators if isinstance(v, MaxValueValidator))]), 1


def report_lines():
    """lines, report: the lines an import reports, and the callback (its report=) that collects them."""
    lines = []
    return lines, lines.append


# A real Celery worker ------------------------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
POSTGRESQL_ENGINES = ("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis")


def database_url_of(settings_dict):
    """The DATABASE_URL that points a subprocess at the database this test runs on (the test database)."""
    if settings_dict["ENGINE"] not in POSTGRESQL_ENGINES:
        raise ValueError(f"a worker process cannot share a {settings_dict['ENGINE']} test database")
    credentials = quote(settings_dict["USER"] or "", safe="")
    if settings_dict.get("PASSWORD"):
        credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = f"{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{settings_dict['NAME']}"


def start_worker(queue, log, **env):
    """A real Celery worker process that consumes only `queue`, on the test database, logging to `log`."""
    environment = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", CELERY_TASK_DEFAULT_QUEUE=queue,
                       DATABASE_URL=database_url_of(connection.settings_dict), **env)  # fmt: skip
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1", "-Q", queue,
         "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def stop(worker):
    """Stop a worker started by start_worker: a warm shutdown, then a kill if it does not exit."""
    worker.terminate()  # warm shutdown
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


def forget_queue(queue):
    """Leave nothing of the test's queue in the shared Redis."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.close()


@contextmanager
def celery_worker(queue, log):
    """start_worker, stopped and its queue forgotten on the way out."""
    worker = start_worker(queue, log)
    try:
        yield worker
    finally:
        stop(worker)
        forget_queue(queue)


def wait_for(condition, seconds=60, worker=None):
    """Poll `condition` until it holds (True), or `seconds` pass or the worker dies (False, unless it holds)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if worker is not None and worker.poll() is not None:
            return condition()
        time.sleep(0.25)
    return False


@contextmanager
def tasks_routed_to(queue):
    """Send the dashboard's tasks to `queue` meanwhile. Celery caches its router with the routes it was built with:
    it is dropped on the way in and out, so that neither this test nor the ones after it use stale routes."""

    def reroute(table):
        app.conf.task_routes = table
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)

    routes = app.conf.task_routes
    reroute({"dashboard.tasks.*": {"queue": queue}})
    try:
        yield
    finally:
        reroute(routes)
