from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from accounts.models import Node
from accounts.services import display_link_create


class Command(BaseCommand):
    help = "Create a signed, revocable, read-only wall-screen link for a node and print its path."

    def add_arguments(self, parser):
        parser.add_argument("node_slug")
        parser.add_argument("--days", type=int, default=30, help="Days before the link expires (default 30).")
        parser.add_argument("--label", default="", help="Where the screen hangs, e.g. 'Head office, 3rd floor'.")

    def handle(self, *args, node_slug, days, label, **options):
        node = Node.objects.filter(slug=node_slug).first()
        if node is None:
            raise CommandError(f"Unknown node {node_slug!r}.", returncode=2)
        if days < 1:
            raise CommandError("--days must be at least 1.", returncode=2)
        _, token = display_link_create(node=node, days=days, label=label)
        self.stdout.write(reverse("dashboard:wall", args=[token]))
