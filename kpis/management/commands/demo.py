import sys
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.selectors import network_zone
from kpis.demo import DEMO_PASSWORD, NETWORK, demo_build


class ProgressBar:
    """A one-line progress bar on a terminal; plain lines when output is piped (logs, CI)."""

    def __init__(self, stream):
        self.stream, self.tty, self.last = stream, stream.isatty(), None

    def __call__(self, label, done, total):
        if self.tty:
            filled = int(30 * done / max(total, 1))
            self.stream.write(f"\r  {label:<14} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
        elif done >= total and self.last != label:
            self.stream.write(f"  {label}: {total} done\n")
            self.last = label


class Command(BaseCommand):
    help = "Build (or rebuild, idempotently) the Linguaviva demo network with 18 months of history and users."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--months", type=int, default=18, help="Months of history up to today.")

    def handle(self, *args, seed, months, **options):
        from accounts.models import Node

        began = time.monotonic()
        network = Node.objects.filter(slug=NETWORK["slug"]).first()
        zone = network_zone(node=network) if network else None
        today = timezone.localdate(timezone=zone) if zone else timezone.localdate()
        self.stdout.write(f"Building the demo network {NETWORK['name']} ({months} months up to {today}, seed {seed})…")
        logins, counts = demo_build(seed=seed, today=today, months=months, progress=ProgressBar(sys.stdout))
        summary = ", ".join(f"{count} {label}" for label, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - began:.1f} s: {summary}."))
        self.stdout.write("\nLogins (password for all: " + self.style.WARNING(DEMO_PASSWORD) + "):")
        width = max(len(email) for email, _, _ in logins)
        for email, role, slugs in logins:
            self.stdout.write(f"  {email:<{width}}  {role:<18} {', '.join(slugs)}")
