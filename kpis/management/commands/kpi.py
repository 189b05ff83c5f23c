import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Node
from accounts.scoping import NodeReader
from accounts.selectors import network_zone
from kpis.boards import kpi_tile
from kpis.catalog import CATALOG
from kpis.contract import KpiValueSerializer
from kpis.periods import custom_period, day_outside_bounds


def iso_date(text):
    try:
        day = date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).", returncode=2) from error
    if reason := day_outside_bounds(day):
        raise CommandError(f"{reason}.", returncode=2)
    return day


class Command(BaseCommand):
    help = "One KPI value for a node (and everything below it) over an inclusive date range."

    def add_arguments(self, parser):
        parser.add_argument("key", help=f"KPI key, one of: {', '.join(CATALOG)}")
        parser.add_argument("--node", required=True, help="Node slug.")
        parser.add_argument("--start", required=True, type=iso_date)
        parser.add_argument("--end", required=True, type=iso_date)
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the contract's JSON object.")

    def handle(self, *args, key, node, start, end, as_json, **options):
        if key not in CATALOG:
            raise CommandError(f"Unknown KPI {key!r}. Known KPIs: {', '.join(CATALOG)}.", returncode=2)
        target = Node.objects.filter(slug=node).first()
        if target is None:
            raise CommandError(f"Unknown node {node!r}.", returncode=2)
        try:
            period = custom_period(start, end)
        except ValueError as error:
            raise CommandError(str(error), returncode=2) from error
        # An operator's tool: it reads as the node itself, not as a person, the figures of the KPI value API.
        today = timezone.localdate(timezone=network_zone(node=target))
        tile = kpi_tile(user=NodeReader(target), key=key, node=target, period=period, today=today)
        payload = KpiValueSerializer(tile).data
        if as_json:
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        kpi = CATALOG[key]
        unit = "" if payload["unit"] in ("count", "ratio") else f" {payload['unit']}"
        shown = "—" if payload["value"] is None else f"{payload['value']}{unit}"
        previous = "—" if payload["previous"]["value"] is None else payload["previous"]["value"]
        self.stdout.write(
            f"{kpi.name} ({key}) · {target.name} · {payload['start']} → {payload['end']}: {shown}"
            f"  (previous period: {previous}; same period last year: {payload['last_year']['value']})"
        )
