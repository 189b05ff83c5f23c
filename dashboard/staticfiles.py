"""Serves plotly.js from the plotly package itself, so charts work offline with no CDN and no copy in the repo."""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_DIR = Path(plotly.__file__).parent / "package_data"
PLOTLY_JS = "plotly.min.js"
PREFIX = "vendor"


class PlotlyFinder(BaseFinder):
    """Finds vendor/plotly.min.js (and nothing else) in the installed plotly package."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(PLOTLY_DIR))
        self.storage.prefix = PREFIX

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path == f"{PREFIX}/{PLOTLY_JS}":
            match = str(PLOTLY_DIR / PLOTLY_JS)
            return [match] if find_all else match
        return []

    def list(self, ignore_patterns):
        yield PLOTLY_JS, self.storage
