"""Reading the contract's CSV files: their header checked against a format's columns, their rows as the
row-by-row path takes them (every problem reported), or, faster, as the fast path takes them (any irregular line
gives up on it), and the known files of a folder in the order they are imported."""

import csv
from pathlib import Path

from .formats import IMPORT_ORDER


class NeedsRowByRow(Exception):
    """The file needs the row-by-row path (its problems are reported there); raised to roll back."""


def csv_rows(path, report, result, columns, required):
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
    cell per column, with cells stripped, as the row-by-row path reads csv_rows(...); raise NeedsRowByRow at the
    first thing that is not so (the row-by-row path then reports it). Faster: no DictReader, no per-cell checks."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        if header_problems(header, columns, required):
            raise NeedsRowByRow("header")
        yield 1, header
        width = len(header)
        for cells in reader:
            if len(cells) != width:
                if not cells:
                    continue  # a blank line, which csv.DictReader skips too
                raise NeedsRowByRow(f"line {reader.line_num}")
            yield reader.line_num, list(map(str.strip, cells))


def csv_rows_regular(path, columns, required):
    """(line number, {column: cell}) of csv_cells_regular."""
    cells = csv_cells_regular(path, columns, required)
    _, header = next(cells)
    for line, row in cells:
        yield line, dict(zip(header, row, strict=True))


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
