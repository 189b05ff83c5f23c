"""The KPI value JSON of docs/contract.md, in one place: DRF serializers that render a board's Tile.

The KPI value API, each tile of the board API, the board's CSV and the `kpi --json` command all go through these,
so a field means the same thing and is rounded the same way wherever it is read. Numbers are those of the engine
(values half-up to 2 decimals, counts as integers); null where there is none.
"""

from rest_framework import serializers

from .catalog import Unit


def json_number(value):
    """An engine number as JSON has it: an int stays an int, a Decimal becomes a float, None stays None."""
    if value is None:
        return None
    return value if isinstance(value, int) else float(value)


class KpiNumberField(serializers.FloatField):
    """A KPI number: an integer for counts, a float otherwise (null when absent, e.g. a ratio over zero)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return json_number(value)


class KpiComparisonSerializer(serializers.Serializer):
    """A value the KPI is compared with, the days it counts, and the change from it (in the tile's `change_unit`)."""

    start = serializers.DateField(source="period.start", read_only=True)
    end = serializers.DateField(source="period.end", read_only=True)
    value = KpiNumberField()
    change = KpiNumberField()


class KpiValueSerializer(serializers.Serializer):
    """The contract's KPI value JSON, from a Tile: `start`/`end` are the days counted (cut to date while the range
    is under way, then `as_of` is the last of them), `previous` and `last_year` the days each comparison counts;
    `change` is against the previous period, in `change_unit` (points for a KPI in %); `mature` is False while the
    value's leads are still converting."""

    key = serializers.CharField(source="kpi.key", read_only=True)
    node = serializers.SlugField(source="node.slug", read_only=True)
    start = serializers.DateField(source="report.current.period.start", read_only=True)
    end = serializers.DateField(source="report.current.period.end", read_only=True)
    value = KpiNumberField(source="report.current.value")
    unit = serializers.ChoiceField(choices=Unit.values, source="kpi.unit", read_only=True)
    numerator = KpiNumberField(source="report.current.numerator")
    denominator = KpiNumberField(source="report.current.denominator")
    previous = KpiComparisonSerializer(read_only=True)
    last_year = KpiComparisonSerializer(read_only=True)
    target = KpiNumberField(source="objective.target")
    change = KpiNumberField(source="report.change_previous")
    change_unit = serializers.ChoiceField(choices=["%", "pts"], source="report.change_unit", read_only=True)
    mature = serializers.BooleanField(read_only=True)
    as_of = serializers.DateField(allow_null=True, read_only=True)


class BoardTileSerializer(KpiValueSerializer):
    """A tile of the board JSON: the KPI value JSON plus its name (in the reader's language), tier, and its
    objective's progress and pace."""

    name = serializers.CharField(source="kpi.name", read_only=True)
    tier = serializers.CharField(source="kpi.tier", read_only=True)
    progress = KpiNumberField(source="objective.progress")
    pace = serializers.CharField(source="objective.pace", allow_null=True, read_only=True)


class BoardSerializer(serializers.Serializer):
    """The board JSON: the node and the range as asked, and its tiles."""

    node = serializers.SlugField(source="node.slug", read_only=True)
    start = serializers.DateField(source="range.asked.start", read_only=True)
    end = serializers.DateField(source="range.asked.end", read_only=True)
    tiles = BoardTileSerializer(many=True, read_only=True)


class PeerComparisonSerializer(serializers.Serializer):
    """A node's KPI beside the anonymised spread of its peers: quartiles only, never a peer's name or figure."""

    key = serializers.CharField(source="tile.kpi.key", read_only=True)
    node = serializers.SlugField(source="tile.node.slug", read_only=True)
    start = serializers.DateField(source="tile.report.current.period.start", read_only=True)
    end = serializers.DateField(source="tile.report.current.period.end", read_only=True)
    value = KpiNumberField(source="tile.report.current.value")
    peers = serializers.IntegerField(source="spread.peers", read_only=True)
    q1 = KpiNumberField(source="spread.q1")
    median = KpiNumberField(source="spread.median")
    q3 = KpiNumberField(source="spread.q3")
