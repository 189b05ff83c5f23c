"""A drop folder of the contract's CSV files (nodes, campaigns, daily_metrics, leads, conversations, sales), read in
dependency order, like `import_facts` but within the source's node subtree and in one transaction for the folder.

A file already imported with the same content (its SHA-256, kept in the source's state once the run commits) is
not read again. A bad file fails the run with every bad row reported, `source:file line N: column: reason`, and
nothing of the folder is written; the file stays where it is, to be fixed and picked up by the next run. A symbolic
link (the folder, or a file in it) fails the run too, never followed: files are opened as import_facts opens them.

config: `folder`.
"""

import csv
import hashlib
from pathlib import Path

from ..importing import FACT_FORMATS, NODE_COLUMNS, NODE_REQUIRED, csv_files
from ..importing.csv_reading import FileRefused, csv_open, header_problems
from .base import ConfigError
from .base import Connector as BaseConnector


def _open(path, *, binary=False):
    """The file opened as import_facts opens it (csv_open); a symbolic link, or what is not a regular file, fails the
    run with its reason."""
    try:
        return csv_open(path, binary=binary)
    except FileRefused as refusal:
        raise ConfigError(str(refusal)) from None


def _digest(path):
    sha = hashlib.sha256()
    with _open(path, binary=True) as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            sha.update(block)
    return sha.hexdigest()


def _columns(kind):
    if kind == "nodes":
        return NODE_COLUMNS, NODE_REQUIRED
    return FACT_FORMATS[kind].required + FACT_FORMATS[kind].optional, FACT_FORMATS[kind].required


class Connector(BaseConnector):
    kind = "csv"
    required_config = ("folder",)

    def _files(self):
        folder = Path(self.config["folder"])
        if not folder.is_dir():
            raise ConfigError(f"the drop folder {folder} does not exist")
        imported = self.state.get("imported", {})
        try:
            known = csv_files([folder])
        except FileRefused as refusal:
            raise ConfigError(str(refusal)) from None
        files = []
        for path in known:
            digest = _digest(path)
            if imported.get(path.name) == digest:
                self.note(f"{path.name}: already imported with the same content; not read again.")
            else:
                files.append((path, digest))
        return files

    def _header_problems(self, path):
        with _open(path) as handle:
            header = [h.strip() for h in next(csv.reader(handle), [])]
        problems = header_problems(header, *_columns(path.stem))
        return [f"{path.name} line 1: {column}: {reason}" for column, reason in problems]

    def records(self):
        files = self._files()
        problems = [problem for path, _ in files for problem in self._header_problems(path)]
        if problems:
            raise ConfigError("; ".join(problems))
        imported = dict(self.state.get("imported", {}))
        for path, digest in files:
            columns, _ = _columns(path.stem)
            with _open(path) as handle:
                reader = csv.DictReader(handle)
                reader.fieldnames = [h.strip() for h in reader.fieldnames or []]
                for row in reader:
                    # Every column of the format is given, as in import_facts: an absent one is empty.
                    complete = {column: row.get(column) or "" for column in columns}
                    if None in row:
                        complete[None] = row[None]
                    yield path.stem, f"{path.name} line {reader.line_num}", complete
            imported[path.name] = digest
        self.state["imported"] = imported
