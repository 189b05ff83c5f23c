"""Importing the contract's CSV files: a file, or every known file of a folder in dependency order, all in one
transaction (one bad file, and no file is written). On PostgreSQL a file of facts takes the fast path (bulk.py)
when it can, and the row-by-row path (rows.py) otherwise, which reports every problem with its line; both write the
same rows. A symbolic link is refused, never followed (csv_reading.csv_open)."""

from pathlib import Path

from django.db import transaction

from . import bulk
from .csv_reading import NeedsRowByRow, csv_files, csv_rows, csv_rows_regular
from .formats import FACT_FORMATS, IMPORT_ORDER, NODE_COLUMNS, NODE_REQUIRED
from .rows import FileResult, ImportAborted, import_rows


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
    rows = csv_rows(path, report, header, columns, required)
    result = import_rows(kind, rows, label=path.name, report=report, within=within, dry_run=dry_run, partial=False)
    result.path = str(path)
    if not header.ok:
        result.rejected += header.rejected
        result.created = result.updated = result.unchanged = 0
    return result


def _import_file_fast(path, kind, *, dry_run, within):
    """import_file through bulk.py, or None when the file needs the row-by-row path (nothing written)."""
    fmt = FACT_FORMATS[kind](within=within, partial=False)
    if not bulk.supports(fmt):
        return None
    columns = fmt.columns, fmt.required
    result = FileResult(path=str(path), kind=kind, dry_run=dry_run)
    try:
        with transaction.atomic():
            staging = bulk.Staging(fmt)
            result.route = bulk.stage_converted_in_database(staging, fmt, path)
            if result.route is None:
                result.route = "python"
                bulk.stage_parsed(staging, csv_rows_regular(path, *columns), fmt)
            bulk.import_staged(staging, fmt=fmt, result=result)
            if dry_run:
                raise ImportAborted
    except NeedsRowByRow:
        return None
    except ImportAborted:
        pass
    return result


def import_files(paths, *, report, dry_run=False, within=None):
    """Import files (or every known CSV of the given folders) in dependency order, in one transaction: when any file
    is rejected, none is written, and the results of the good ones say so (`held_back`)."""
    with transaction.atomic():
        results = [import_file(p, report=report, dry_run=dry_run, within=within) for p in csv_files(paths)]
        if not all(r.ok for r in results):
            transaction.set_rollback(True)
            for result in results:
                result.held_back = result.ok
    return results
