import sys

from django.core.management.base import BaseCommand, CommandError

from ingestion.importing import import_files


class Command(BaseCommand):
    help = (
        "Import a CSV file, or every known CSV file of a folder (nodes, campaigns, daily_metrics, leads, "
        "conversations, sales). Idempotent; all the files in one transaction: with any bad row, nothing is written. "
        "Symbolic links are refused, not followed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--dry-run", action="store_true", help="Validate and count, write nothing.")

    def handle(self, *args, paths, dry_run, **options):
        def report(line):
            self.stderr.write(line)

        try:
            results = import_files(paths, report=report, dry_run=dry_run)
        except (ValueError, FileNotFoundError) as error:
            raise CommandError(str(error)) from error
        if not results:
            raise CommandError("No known CSV file found in " + ", ".join(paths))
        for r in results:
            if not r.ok:
                status = "rejected, nothing written"
            elif r.held_back:
                status = "not written: another file was rejected"
            else:
                status = "dry run, nothing written" if dry_run else "ok"
            self.stdout.write(
                f"{r.path}: created {r.created}, updated {r.updated}, unchanged {r.unchanged}, "
                f"rejected {r.rejected} ({status})"
            )
        if any(not r.ok for r in results):
            sys.exit(1)
