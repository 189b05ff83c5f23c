"""Every way facts come in goes through here: the contract's CSV files (files.py: the fast path of bulk.py on
PostgreSQL, else the row-by-row path), and the rows of connectors and webhooks (rows.py), read with the same
formats (formats.py). Dependencies run one way: formats <- csv_reading <- bulk, formats <- rows, and files over
them all. The names below are the package's public face (explicit re-exports)."""

from .csv_reading import csv_files as csv_files
from .files import import_file as import_file
from .files import import_files as import_files
from .formats import FACT_FORMATS as FACT_FORMATS
from .formats import IMPORT_ORDER as IMPORT_ORDER
from .formats import NODE_COLUMNS as NODE_COLUMNS
from .formats import NODE_REQUIRED as NODE_REQUIRED
from .formats import RowError as RowError
from .rows import FileResult as FileResult
from .rows import import_rows as import_rows
