import sys

from django.core.management.base import BaseCommand, CommandError

from ingestion.constants import SyncStatus
from ingestion.models import DataSource
from ingestion.services import sync_now
from kpis.management.commands.kpi import iso_date


class Command(BaseCommand):
    help = (
        "Sync data sources now, in this process, with the code the nightly schedule runs: the given ones, or every "
        "enabled source that pulls data. Prints one line per source; exits 1 if any failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="SOURCE_SLUG")
        parser.add_argument("--since", type=iso_date, default=None,
                            help="Pull from this day (YYYY-MM-DD), not the source's look-back window.")  # fmt: skip

    def handle(self, *args, slugs, since, **options):
        sources = DataSource.objects.select_related("node").order_by("slug")
        if slugs:
            found = {s.slug: s for s in sources.filter(slug__in=slugs)}
            unknown = [slug for slug in slugs if slug not in found]
            if unknown:
                raise CommandError(f"Unknown source(s): {', '.join(unknown)}.", returncode=2)
            sources = [found[slug] for slug in slugs]
        else:
            sources = [s for s in sources.filter(enabled=True) if s.next_run_at is not None]
        failed = False
        for source in sources:
            run, ran = sync_now(source=source, since=since)
            if not ran:
                self.stdout.write(f"{source.slug}: skipped, run #{run.pk} is already {run.status}")
                continue
            line = (f"{source.slug}: {run.status}, rows created {run.created}, updated {run.updated}, "
                    f"unchanged {run.unchanged}, rejected {run.rejected}")  # fmt: skip
            if run.status == SyncStatus.FAILED:
                failed = True
                line += f" — {run.error}"
            self.stdout.write(line)
            if run.rejected_reasons:
                self.stderr.write(run.rejected_reasons)
        if failed:
            sys.exit(1)
