import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import Node
from accounts.selectors import network_zone
from ingestion.demo import demo_build
from kpis.demo import DEMO_PASSWORD, NETWORK


class Command(BaseCommand):
    help = (
        "Build (or rebuild, idempotently) the Linguaviva demo network with 18 months of history and users; its facts "
        "come through a 'demo' data source, synced like any other."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--months", type=int, default=18, help="Months of history up to today.")

    def handle(self, *args, seed, months, **options):
        began = time.monotonic()
        network = Node.objects.filter(slug=NETWORK["slug"]).first()
        zone = network_zone(node=network) if network else None
        today = timezone.localdate(timezone=zone) if zone else timezone.localdate()
        self.stdout.write(f"Building the demo network {NETWORK['name']} ({months} months up to {today}, seed {seed})…")
        logins, counts, run = demo_build(seed=seed, today=today, months=months)
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
