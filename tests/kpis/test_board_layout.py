"""Which KPIs a network's boards show: its own choice, checked against the catalog, or the defaults."""

import pytest
from django.core.exceptions import ValidationError

from kpis.catalog import CATALOG
from kpis.models import BoardLayout
from kpis.selectors import DEFAULT_HOME_KPIS, DEFAULT_WALL_KPIS, board_layout
from kpis.services import MAX_BOARD_TILES, board_layout_set

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages checked in English


def test_a_network_without_a_choice_gets_the_defaults(network):
    layout = board_layout(network=network)

    assert layout.home_kpis == DEFAULT_HOME_KPIS and layout.wall_kpis == DEFAULT_WALL_KPIS


def test_a_network_chooses_its_tiles_and_their_order(network):
    board_layout_set(network=network, home_kpis=[" cpl", "sales_revenue ", ""], wall_kpis=["leads"])

    layout = board_layout(network=network)
    assert layout.home_kpis == ["cpl", "sales_revenue"] and layout.wall_kpis == ["leads"]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (["cpl", "happiness"], "Unknown KPI: happiness."),
        (["cpl", "cpl"], "A KPI appears twice."),
        (list(CATALOG)[: MAX_BOARD_TILES + 1], "At most 24 tiles"),
    ],
)
def test_bad_choices_are_refused_and_nothing_is_stored(network, keys, message):
    with pytest.raises(ValidationError) as error:
        board_layout_set(network=network, home_kpis=keys, wall_kpis=[])

    assert message in " ".join(error.value.messages)
    assert not BoardLayout.objects.exists()


def test_only_a_network_has_a_board_layout(region_nord):
    with pytest.raises(ValidationError):
        board_layout_set(network=region_nord, home_kpis=["cpl"], wall_kpis=[])
