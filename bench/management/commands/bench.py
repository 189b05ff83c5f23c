import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bench.generate import SCALES
from bench.report import results_table
from bench.run import BenchError, bench_run


class Command(BaseCommand):
    help = (
        "The scale benchmark: build a large network on PostgreSQL with COPY (or reuse it), then time the board "
        "(cold, warm, against the straightforward way), the CSV import against a bare COPY, and one day's rollup "
        "refresh. Prints a table; --out writes the results as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="full",
                            help="tiny: seconds (what CI runs); medium: 100 franchisees; full: the issue's sizes.")
        parser.add_argument("--out", metavar="FILE", help="Write the results as JSON to FILE.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--reuse", action="store_true",
                            help="Keep the bench network if it was built with the same scale and seed.")

    def handle(self, *args, scale, out, seed, reuse, **options):
        try:
            results = bench_run(scale=scale, seed=seed, reuse=reuse, stream=self.stderr)
        except BenchError as error:
            if hasattr(error, "results") and out:
                Path(out).write_text(json.dumps(error.results, indent=2) + "\n")
            raise CommandError(str(error)) from error
        if out:
            Path(out).write_text(json.dumps(results, indent=2) + "\n")
        self.stdout.write(results_table(results))
