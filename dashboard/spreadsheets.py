"""Tables as files people open in a spreadsheet, CSV and XLSX, written here and nowhere else: every export of the
product (the board on the page and in the API, a KPI page's tables, the campaigns, leads and conversations lists)
builds a Table and answers with table_response(), so they all follow contract.md, "Exports":

- CSV is UTF-8 with a byte order mark (without it Excel reads the file as the system's code page: "é" comes out
  garbled), in the conventions of the request's language, which a spreadsheet of that language reads without an
  import dialog: in French `;` between cells and a decimal comma, in English `,` and a decimal point. Dates are ISO
  8601; numbers carry no thousands separator and no currency sign; booleans are true/false, as imports read them.
- A text cell a spreadsheet would take for a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return)
  is written with a leading `'` unless it is a number ("-12.5"): a campaign named `=HYPERLINK(...)`, or a lead's
  source typed into a web form, stays text in the reader's spreadsheet instead of running there.
- XLSX cells are typed (numbers, dates, booleans, text), each written with its own call: text is never read as a
  formula, a number or a link, whatever it starts with.

A table's rows hold typed values (str, int, float, Decimal, date, datetime, bool; None for unknown) and may be a
lazy iterable, read once: a whole network's leads stream out as CSV, and are written as XLSX in XlsxWriter's
constant-memory mode (one row in memory at a time) to a temporary file that the response then streams.
"""

import csv
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from itertools import chain

import xlsxwriter
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import get_format

TABLE_FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number as a spreadsheet reads one typed in a cell, with either decimal mark: "-12.5", "+3", "-1,5", "2e-3".
NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
XLSX_MAX_ROWS = 1_048_576  # a sheet's rows, header included; a longer table goes on in a second sheet
XLSX_OPTIONS = {
    "constant_memory": True,
    # Typed writes already keep text as text; these make sure nothing else ever turns it into a formula or a link.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


@dataclass(frozen=True)
class Table:
    """A table to download: `name` is its file name without the extension, `sheet` its XLSX sheet's name (at most
    31 characters). Datetimes are shown in XLSX in `zone` (the active time zone when None): a spreadsheet's dates
    have no time zone, whereas CSV writes them in ISO 8601 with their offset. `stream`: a CSV too long to build in
    memory is sent as it is written."""

    name: str
    sheet: str
    columns: Sequence[str]
    rows: Iterable[Sequence]
    zone: tzinfo | None = None
    stream: bool = False


def table_response(table, export):
    """`table` as a download in `export` format ("csv" or "xlsx", see TABLE_FORMATS)."""
    if export == "xlsx":
        return _xlsx_response(table)
    if export != "csv":
        raise ValueError(f"unknown table format {export!r}")
    lines = csv_lines(table)
    response = (StreamingHttpResponse(lines, content_type=CSV_CONTENT_TYPE) if table.stream
                else HttpResponse("".join(lines), content_type=CSV_CONTENT_TYPE))  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
    return response


# CSV ------------------------------------------------------------------------------------------------------------------
def csv_conventions():
    """(cell delimiter, decimal mark) of the active language's spreadsheets: where the decimal mark is a comma,
    spreadsheets separate cells with a semicolon."""
    decimal = get_format("DECIMAL_SEPARATOR")
    return (";" if decimal == "," else ","), decimal


def neutralised(text):
    """`text` as a CSV cell that no spreadsheet runs as a formula."""
    if text.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


def _number_text(value):
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    if "e" in text or "E" in text:  # a float's repr: 1e-05, 1e+16
        text = format(Decimal(text), "f")
    return text


def csv_cell(value, decimal="."):
    """One cell's text: numbers with `decimal` as their decimal mark, dates in ISO 8601, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return _number_text(value).replace(".", decimal)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    return neutralised(str(value))


class _Echo:
    """A file whose write() hands back what it is given: csv.writer then returns each line it formats."""

    def write(self, value):
        return value


def csv_lines(table):
    """The lines of `table` as CSV text, the first one opening with the byte order mark. The conventions are read
    now, in the request's language, not when a streamed response is iterated."""
    delimiter, decimal = csv_conventions()
    writer = csv.writer(_Echo(), delimiter=delimiter)
    header = BOM + writer.writerow([neutralised(str(column)) for column in table.columns])

    def lines():
        yield header
        for row in table.rows:
            yield writer.writerow([csv_cell(value, decimal) for value in row])

    return lines()


# XLSX -----------------------------------------------------------------------------------------------------------------
def _xlsx_response(table):
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    try:
        xlsx_write(table, handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return FileResponse(handle, as_attachment=True, filename=f"{table.name}.xlsx", content_type=XLSX_CONTENT_TYPE)


def xlsx_write(table, output):
    """Writes `table` as an XLSX workbook to `output` (a path or a binary file), one typed cell at a time.

    Constant-memory mode keeps each sheet's rows in a scratch file until the workbook is closed: they live in a
    folder of our own, removed whatever happens, so that an export that fails halfway leaves no file behind. The
    rows are closed on the way out too: a list read from a server-side cursor releases it then, not whenever the
    failed export's traceback is collected (by then in another request's transaction)."""
    rows = iter(table.rows)
    try:
        with tempfile.TemporaryDirectory(prefix="xlsx-") as scratch:
            workbook = xlsxwriter.Workbook(output, {**XLSX_OPTIONS, "tmpdir": scratch})
            _xlsx_sheets(workbook, table, rows)
            workbook.close()
    finally:
        if hasattr(rows, "close"):
            rows.close()


def _xlsx_sheets(workbook, table, rows):
    styles = {"header": workbook.add_format({"bold": True}), "day": workbook.add_format({"num_format": "yyyy-mm-dd"}),
              "moment": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})}  # fmt: skip
    zone = table.zone or timezone.get_current_timezone()
    first = next(rows, None)
    widths = [max(len(str(column)) + 2, 19 if isinstance(value, datetime) else 12)
              for column, value in zip(table.columns, first or [None] * len(table.columns), strict=True)]  # fmt: skip

    def new_sheet(number):
        sheet = workbook.add_worksheet(table.sheet if number == 1 else f"{table.sheet[:26]} ({number})")
        for column, (name, width) in enumerate(zip(table.columns, widths, strict=True)):
            sheet.set_column(column, column, width)
            sheet.write_string(0, column, str(name), styles["header"])
        sheet.freeze_panes(1, 0)
        return sheet

    sheets, sheet, line = 1, new_sheet(1), 0
    for row in chain([first] if first is not None else [], rows):
        line += 1
        if line == XLSX_MAX_ROWS:
            sheets += 1
            sheet, line = new_sheet(sheets), 1
        for column, value in enumerate(row):
            _xlsx_cell(sheet, line, column, value, styles, zone)


def _xlsx_cell(sheet, line, column, value, styles, zone):
    if value is None:
        return  # an empty cell: unknown
    if isinstance(value, bool):
        sheet.write_boolean(line, column, value)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(line, column, float(value))
    elif isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value, zone)
        sheet.write_datetime(line, column, value, styles["moment"])
    elif isinstance(value, date):
        sheet.write_datetime(line, column, value, styles["day"])
    else:
        sheet.write_string(line, column, str(value))
