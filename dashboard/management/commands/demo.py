import time
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand
from django.utils import timezone

from dashboard.demo import demo_build
from ingestion.demo_data import DEMO_PASSWORD, NETWORK


class Command(BaseCommand):
    help = (
        "Build (or rebuild, idempotently) the Linguaviva demo network with 18 months of history and users; its facts "
        "come through a 'demo' data source, synced like any other."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--months", type=int, default=18, help="Months of history up to now.")

    def handle(self, *args, seed, months, **options):
        began = time.monotonic()
        # The moment of the build, in the network's time zone (the demo sets it): its history ends now.
        now = timezone.localtime(timezone=ZoneInfo(NETWORK["timezone"]))
        self.stdout.write(
            f"Building the demo network {NETWORK['name']} ({months} months up to {now:%Y-%m-%d %H:%M}, seed {seed})…"
        )
        logins, counts, run = demo_build(seed=seed, now=now, months=months)
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {time.monotonic() - began:.1f} s: data source {run.source.slug} synced ({run.created} facts "
                f"created, {run.updated} updated, {run.unchanged} unchanged), {counts['objectives']} objectives, "
                f"{counts['automatic questions']} automatic questions opened, {counts['reports']} scheduled reports."
            )
        )
        self.stdout.write("\nLogins (password for all: " + self.style.WARNING(DEMO_PASSWORD) + "):")
        width = max(len(email) for email, _, _ in logins)
        for email, role, slugs in logins:
            self.stdout.write(f"  {email:<{width}}  {role:<18} {', '.join(slugs)}")
