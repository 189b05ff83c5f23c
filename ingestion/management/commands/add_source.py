from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Node
from ingestion.constants import SourceKind
from ingestion.services import config_from_text, source_register


class Command(BaseCommand):
    help = (
        "Register (or update) a data source of a node. --secret is stored encrypted: the webhook signing secret, or "
        "the provider's token; secret keys of --config (tokens, client secrets) are stored encrypted too."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--kind", required=True, help=f"One of: {', '.join(SourceKind.values)}.")
        parser.add_argument("--node", required=True, help="Slug of the node whose facts the source writes.")
        parser.add_argument("--secret", default=None, help="Signing secret or provider token (stored encrypted).")
        parser.add_argument("--config", default="", help="A JSON object: provider ids, base_url, folder, …")
        parser.add_argument("--name", default="", help="A name for people (default: the slug).")

    def handle(self, *args, slug, kind, node, secret, config, name, **options):
        if kind not in SourceKind.values:
            raise CommandError(f"Unknown kind {kind!r}. Known kinds: {', '.join(SourceKind.values)}.", returncode=2)
        target = Node.objects.filter(slug=node).first()
        if target is None:
            raise CommandError(f"Unknown node {node!r}.", returncode=2)
        try:
            source, created = source_register(slug=slug, kind=kind, node=target, secret=secret,
                                              config=config_from_text(config), name=name)  # fmt: skip
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        when = f"nightly at {source.schedule_time:%H:%M}, network time" if source.next_run_at else "pushed by webhook"
        verb = "Registered" if created else "Updated"
        self.stdout.write(f"{verb} {source.slug} ({source.kind} on {target.slug}), {when}.")
