"""The demo network's facts (kpis.demo's generator), fed through the same pipeline as any source: the contract's
rows, validated and upserted by kpis.importing, rollups refreshed, a run recorded.

The generator makes 18 months of history up to today, deterministic for a seed and a day; since tomorrow's history
is not today's plus one day, the demo's records are the whole truth of its network (`full_refresh`): its facts are
cleared and written again in the run's transaction.

config: `seed` (42), `months` (18).
"""

from accounts.models import Node
from kpis.demo import DemoGenerator, demo_rows

from .base import Connector as BaseConnector


class Connector(BaseConnector):
    kind = "demo"
    full_refresh = True

    def records(self):
        nodes = {node.slug: node for node in Node.objects.subtree(self.node)}
        generator = DemoGenerator(seed=int(self.config.get("seed", 42)), today=self.today,
                                  months=int(self.config.get("months", 18)), nodes=nodes)  # fmt: skip
        yield from demo_rows(generator.build())
