from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Node
from dashboard.questions.automatic import automatic_questions_run


class Command(BaseCommand):
    help = "Evaluate the question rules now (as after a nightly sync) and open the questions they call for."

    def add_arguments(self, parser):
        parser.add_argument("--network", help="Slug of one network (default: every network).")
        parser.add_argument("--date", type=date.fromisoformat, help="The day to evaluate, YYYY-MM-DD (default: "
                            "today in each network's time zone).")  # fmt: skip

    def handle(self, *args, network=None, date=None, **options):
        networks = Node.objects.filter(parent__isnull=True)
        if network:
            networks = networks.filter(slug=network)
            if not networks.exists():
                raise CommandError(f"Unknown network {network!r}.", returncode=2)
        for node in networks:
            today = date or timezone.localdate(timezone=node.zone)
            opened = automatic_questions_run(network=node, today=today)
            self.stdout.write(f"{node.slug}: {today}: {len(opened)} question(s) opened")
            for thread in opened:
                self.stdout.write(f"  {thread.kpi} on {thread.node.slug} -> {thread.addressee or '-'}")
