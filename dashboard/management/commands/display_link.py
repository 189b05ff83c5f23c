from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from accounts.models import Node
from dashboard.wall.playlists import display_link_create, playlist_parse


class Command(BaseCommand):
    help = "Create a signed, revocable, read-only wall-screen link for a node and print its path."

    def add_arguments(self, parser):
        parser.add_argument("node_slug")
        parser.add_argument("--days", type=int, default=30, help="Days before the link expires (default 30).")
        parser.add_argument("--label", default="", help="Where the screen hangs, e.g. 'Head office, 3rd floor'.")
        parser.add_argument(
            "--playlist",
            default="",
            help="Slides, each BOARD[.KPI][@NODE]:SECONDS, comma-separated; boards: objectives, operations, ranking, "
            "kpi. Example: 'objectives:30,operations:30,kpi.sales_revenue@sud:20'. Default: the node's own boards.",
        )
        parser.add_argument("--refresh", type=int, default=None, help="Seconds between reloads (default 300).")

    def handle(self, *args, node_slug, days, label, playlist, refresh, **options):
        node = Node.objects.filter(slug=node_slug).first()
        if node is None:
            raise CommandError(f"Unknown node {node_slug!r}.", returncode=2)
        try:
            _, token = display_link_create(node=node, days=days, label=label, playlist=playlist_parse(playlist),
                                           refresh_seconds=refresh)  # fmt: skip
        except ValidationError as error:
            raise CommandError(" ".join(error.messages), returncode=2) from None
        self.stdout.write(reverse("dashboard:wall", args=[token]))
