"""The demo network's facts (the generator of ingestion.demo_data), fed through the same pipeline as any source: the
contract's rows, validated and upserted by ingestion.importing, rollups refreshed, a run recorded.

The generator makes 18 months of history up to the run's moment (`now`: nothing is dated after it), deterministic for
a seed and a moment; since tomorrow's history is not today's plus one day, the demo's records are the whole truth of
its network (`full_refresh`): its facts are cleared and written again in the run's transaction.

config: `seed` (42), `months` (18).
"""

from datetime import datetime, time

from accounts.models import Node

from ..demo_data import DemoGenerator, demo_rows
from .base import Connector as BaseConnector


class Connector(BaseConnector):
    kind = "demo"
    full_refresh = True

    def records(self):
        nodes = {node.slug: node for node in Node.objects.subtree(self.node)}
        now = self.now or datetime.combine(self.today, time.max, tzinfo=self.node.zone)
        generator = DemoGenerator(seed=int(self.config.get("seed", 42)), now=now,
                                  months=int(self.config.get("months", 18)), nodes=nodes)  # fmt: skip
        yield from demo_rows(generator.build())
