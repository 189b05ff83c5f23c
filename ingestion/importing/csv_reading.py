"""Reading the contract's CSV files: their header checked against a format's columns, their rows as the
row-by-row path takes them (every problem reported), or, faster, as the fast path takes them (any irregular line
gives up on it), and the known files of a folder in the order they are imported."""

import csv
import errno
import os
import stat
from pathlib import Path

from .formats import IMPORT_ORDER, shown


class NeedsRowByRow(Exception):
    """The file needs the row-by-row path (its problems are reported there); raised to roll back."""


class FileRefused(ValueError):
    """A path an import does not read: a symbolic link (refused, never followed), or not a regular file."""


def _link_refused(path):
    return FileRefused(f"{path}: a symbolic link; refused, not followed")


def csv_open(path, *, binary=False):
    """Open the file at `path` for reading, as text (UTF-8, a byte order mark dropped) or bytes. A symbolic link is
    refused, not followed: O_NOFOLLOW makes the check part of the opening, so a link put in the file's place after a
    listing is refused too (a link to /proc/self/environ would put the process's secrets in a run's error). Anything
    but a regular file is refused as well: a FIFO would block the import, a device never end (O_NONBLOCK, so that
    opening a FIFO does not wait for a writer)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _link_refused(path) from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileRefused(f"{path}: not a regular file; refused")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return open(fd, "rb") if binary else open(fd, newline="", encoding="utf-8-sig")


def csv_rows(path, report, result, columns, required):
    """Yield (line number, row) of a CSV file; a header problem is reported against line 1 and yields nothing."""
    with csv_open(path) as handle:
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
    """(column, reason) of each problem of a file's header. A reason goes into runs, pages and e-mails: an unknown
    column is named (shown()) only when the line is otherwise the format's header (a typo, a column of another
    format); when a required column is missing as well, the line is likely no header at all (a file without one,
    or not CSV) and its cells, content of the file, are counted, not repeated."""
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in columns]
    problems = [(c, "missing required column") for c in missing]
    if missing and unknown:
        return [*problems, ("-", f"{len(unknown)} unknown column(s), not repeated here: line 1 is not a header of "
                                 "this format")]  # fmt: skip
    return problems + [(shown(c), "unknown column") for c in unknown]


def csv_cells_regular(path, columns, required):
    """Yield (1, header), then (line number, cells) of a CSV file whose header is right and whose every row has a
    cell per column, with cells stripped, as the row-by-row path reads csv_rows(...); raise NeedsRowByRow at the
    first thing that is not so (the row-by-row path then reports it). Faster: no DictReader, no per-cell checks."""
    with csv_open(path) as handle:
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
            if "\x00" in "".join(cells):  # refused with its reason by the row-by-row path (rows._cell)
                raise NeedsRowByRow(f"line {reader.line_num}")
            yield reader.line_num, list(map(str.strip, cells))


def csv_rows_regular(path, columns, required):
    """(line number, {column: cell}) of csv_cells_regular."""
    cells = csv_cells_regular(path, columns, required)
    _, header = next(cells)
    for line, row in cells:
        yield line, dict(zip(header, row, strict=True))


def csv_files(paths):
    """The known CSV files among `paths` (a folder stands for the known files in it), in dependency order. Raises
    FileRefused for a symbolic link, given or in a folder in a known file's place: it is not followed."""
    files = []
    for path in map(Path, paths):
        for candidate in [path, *(path / f"{kind}.csv" for kind in IMPORT_ORDER if path.is_dir())]:
            if candidate.is_symlink():
                raise _link_refused(candidate)
        if path.is_dir():
            files += [path / f"{kind}.csv" for kind in IMPORT_ORDER if (path / f"{kind}.csv").exists()]
        else:
            files.append(path)
    files.sort(key=lambda p: IMPORT_ORDER.index(p.stem) if p.stem in IMPORT_ORDER else len(IMPORT_ORDER))
    return files
