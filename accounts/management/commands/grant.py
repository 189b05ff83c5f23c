from django.core.management.base import BaseCommand, CommandError

from accounts.constants import Role
from accounts.models import Node
from accounts.services import user_grant


class Command(BaseCommand):
    help = "Give EMAIL the role ROLE on the node NODE_SLUG, creating the user if needed."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role", help=f"one of: {', '.join(Role.values)}")
        parser.add_argument("node_slug")
        parser.add_argument("--password", help="Set (or reset) the user's password.")

    def handle(self, *args, email, role, node_slug, password, **options):
        if role not in Role.values:
            raise CommandError(f"Unknown role {role!r}; one of: {', '.join(Role.values)}.", returncode=2)
        node = Node.objects.filter(slug=node_slug).first()
        if node is None:
            raise CommandError(f"Unknown node {node_slug!r}.", returncode=2)
        user, created = user_grant(email=email, role=role, node=node, password=password)
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {user.email}: {role} on {node.slug} ({node.name}).")
