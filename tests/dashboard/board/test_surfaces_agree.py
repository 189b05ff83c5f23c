"""One figure, one path: every tile of the board page, the board API (JSON and CSV), the page's CSV and PDF, and the
KPI value API tell the same figures for the same node and range, field by field, for a range under way and a whole
month, on a network, a region and a franchisee. A range under way is counted to today on every surface, and so are
its comparisons, its objectives' pace and the ranking of the nodes below."""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from html import unescape

import pytest
from django.utils import formats, translation

from dashboard.formatting import format_kpi_number, pace_label, period_words
from kpis.catalog import CATALOG
from kpis.maturity import MATURING_KPIS
from kpis.periods import custom_period
from tests.dashboard.board.conftest import MARCH_TO_DATE, RANGES
from tests.helpers import csv_number, csv_read, log_in, pdf_text, token_client

pytestmark = pytest.mark.django_db
DECIMAL = ","  # the pages and the API answer in French (no Accept-Language): CSV numbers have a decimal comma


def rows_by_kpi(response):
    """The rows of a board CSV, by KPI key, in their order; French CSV, so cells are separated by `;`."""
    delimiter, rows = csv_read(response)
    assert delimiter == ";"
    return {row["kpi"]: row for row in rows}


def json_decimal(value):
    """A JSON number as the exact decimal it says (None for null), to compare with a CSV's number cell."""
    return None if value is None else Decimal(str(value))


def text_of(fragment):
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).replace("\u202f", " ").replace(
        "\xa0", " ").strip()  # fmt: skip


def page_tiles(page):
    """{KPI key: the tile's text} of a board page."""
    tiles = {}
    for body in re.findall(r'<article class="tile[^"]*">(.*?)</article>', page, re.S):
        key = re.search(r'href="/kpi/([a-z_]+)/', body).group(1)
        tiles[key] = text_of(body)
    return tiles


def page_ranking(page):
    table = re.search(r'<table class="ranking">.*?<tbody>(.*?)</tbody>', page, re.S)
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)] if table else []


def shown(value, key, currency="EUR"):
    """A JSON number as the French pages show it."""
    return format_kpi_number(None if value is None else Decimal(str(value)), CATALOG[key], currency).replace(
        "\u202f", " ").replace("\xa0", " ")  # fmt: skip


def change_shown(csv_change, unit):
    """A change of the CSV (2 decimals) as the pages show it: one decimal, half-up, signed, in its unit ("pts" for a
    KPI in %), or no comparison."""
    if csv_change == "":
        return "pas de comparaison"
    change = csv_number(csv_change, DECIMAL).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = formats.number_format(change, 1, force_grouping=True).replace("\u202f", " ").replace("\xa0", " ")
    return f"{'+' if change > 0 else ''}{text} {unit}"


def in_order(text, parts):
    """True when every part appears in `text`, each after the previous one."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


@pytest.mark.parametrize("slug", ["acme", "nord", "lille"])
@pytest.mark.parametrize("name", ["march", "february"])
def test_every_surface_shows_the_same_figures_of_each_tile(client, world, today, executive, slug, name):
    page_query, (start, end) = RANGES[name]
    log_in(client, executive)
    api = token_client(client, executive)
    api_query = {"node": slug, "start": start, "end": end}

    page = client.get("/", {"node": slug, **page_query}).content.decode()
    board = api("/api/v1/board/", api_query).json()
    api_csv = rows_by_kpi(api("/api/v1/board/csv/", api_query))
    page_csv = rows_by_kpi(client.get("/", {"node": slug, **page_query, "format": "csv"}))
    with translation.override("fr"):
        pdf = pdf_text(client.get("/", {"node": slug, **page_query, "format": "pdf"}).content)
    tiles = page_tiles(page)

    assert (board["node"], board["start"], board["end"]) == (slug, start, end)
    # The page says which days it counts and what it compares them with, as the JSON's tiles do.
    tile = board["tiles"][0]
    with translation.override("fr"):
        said = [period_words(custom_period(date.fromisoformat(c["start"]), date.fromisoformat(c["end"])))
                for c in (tile, tile["previous"], tile["last_year"])]  # fmt: skip
    assert in_order(text_of(page), [s.replace("\xa0", " ") for s in said]), (said, text_of(page)[:600])
    keys = [tile["key"] for tile in board["tiles"]]
    assert keys == list(api_csv) == list(page_csv) and sorted(keys) == sorted(tiles)  # the page groups them
    for tile in board["tiles"]:
        key = tile["key"]
        value_api = api(f"/api/v1/kpis/{key}/value/", api_query).json()
        assert {k: v for k, v in tile.items() if k not in ("name", "tier", "progress", "pace")} == value_api, key
        for rows in (api_csv, page_csv):
            row = rows[key]
            assert row == page_csv[key], key  # the page's CSV is the API's
            assert (row["start"], row["end"], row["previous_start"], row["previous_end"], row["last_year_start"],
                    row["last_year_end"]) == (tile["start"], tile["end"], tile["previous"]["start"],
                                              tile["previous"]["end"], tile["last_year"]["start"],
                                              tile["last_year"]["end"]), key  # fmt: skip
            for column, field in (("value", tile["value"]), ("previous_value", tile["previous"]["value"]),
                                  ("last_year_value", tile["last_year"]["value"]), ("target", tile["target"]),
                                  ("progress_pct", tile["progress"])):  # fmt: skip
                assert csv_number(row[column], DECIMAL) == json_decimal(field), (key, column, row[column], field)
            assert row["pace"] == (tile["pace"] or "") and row["tier"] == tile["tier"], key
        row = api_csv[key]
        assert row["change_unit"] == tile["change_unit"] == ("pts" if CATALOG[key].unit == "%" else "%"), key
        assert (csv_number(row["change_previous_pct"], DECIMAL), csv_number(row["change_last_year_pct"], DECIMAL)) == (
            json_decimal(tile["previous"]["change"]), json_decimal(tile["last_year"]["change"])), key
        figures = [shown(tile["value"], key), change_shown(row["change_previous_pct"], row["change_unit"]),
                   change_shown(row["change_last_year_pct"], row["change_unit"])]  # fmt: skip
        assert in_order(tiles[key], figures), (key, tiles[key], figures)
        assert in_order(pdf, [str(CATALOG[key].name), *figures]), (key, figures, pdf[:3000])
        # Every tile carries the range's last counted day while it is under way, and says whether its leads are
        # still converting: ROI and conversion of March and February are not mature 12 March (60 days, the
        # default lag of a network never measured), revenue and leads are.
        assert tile["as_of"] == ("2026-03-12" if name == "march" else None), key
        assert tile["mature"] == (key not in MATURING_KPIS), key
        assert row["mature"] == ("true" if tile["mature"] else "false") and row["as_of"] == (tile["as_of"] or "")
        still = "encore en cours de conversion"
        assert (still in tiles[key]) == (not tile["mature"]), (key, tiles[key])
        if not tile["mature"]:
            assert in_order(pdf, [f"{CATALOG[key].name} · {still}"]), key
        if tile["target"] is not None:
            objective = [shown(tile["target"], key), str(pace_label(tile["pace"]))]
            progress = Decimal(str(tile["progress"])).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            assert in_order(tiles[key], [*objective, f"{progress} %"]), (key, tiles[key], objective)
            assert in_order(pdf, [str(CATALOG[key].name), *objective]), (key, objective)


@pytest.mark.parametrize("slug", ["acme", "nord"])
@pytest.mark.parametrize("name", ["march", "february"])
def test_the_ranking_below_is_the_same_on_the_page_and_in_the_pdf(client, world, today, executive, slug, name):
    page_query, _range = RANGES[name]
    log_in(client, executive)

    ranking = page_ranking(client.get("/", {"node": slug, **page_query}).content.decode())
    with translation.override("fr"):
        pdf = pdf_text(client.get("/", {"node": slug, **page_query, "format": "pdf"}).content)

    assert len(ranking) == 2  # Nord and Sud below the network; Lille and Roubaix below Nord
    for row in ranking:
        assert row in pdf, (row, pdf)


def test_a_range_under_way_counts_no_day_after_today_on_any_surface(client, world, today, executive):
    """20 March is in the data but after today: the tiles, the ranking and the CSV count 1-12 March only, and their
    comparisons 1-12 February and 1-12 March 2025."""
    log_in(client, executive)
    board = token_client(client, executive)("/api/v1/board/", {"node": "acme", "start": "2026-03-01",
                                                                "end": "2026-03-31"}).json()  # fmt: skip
    revenue = next(tile for tile in board["tiles"] if tile["key"] == "sales_revenue")

    # Sales on 3 and 10 March (d = 6, 7) of the three franchisees (n = 1, 2, 3): 150 k + 7 d with k = 3 n + d.
    expected = sum(150 * (3 * n + d) + 7 * d for n in (1, 2, 3) for d in (6, 7))
    assert (revenue["start"], revenue["end"], revenue["value"]) == ("2026-03-01", "2026-03-12", float(expected))
    assert (revenue["previous"]["start"], revenue["previous"]["end"]) == ("2026-02-01", "2026-02-12")
    assert (revenue["last_year"]["start"], revenue["last_year"]["end"]) == ("2025-03-01", "2025-03-12")
    ranking = page_ranking(client.get("/", {"node": "acme", **MARCH_TO_DATE}).content.decode())
    nord = sum(150 * (3 * n + d) + 7 * d for n in (1, 2) for d in (6, 7))
    assert ranking[0].startswith("Nord " + shown(nord, "sales_revenue"))


@pytest.mark.parametrize("name", ["march", "february"])
def test_the_budget_page_shows_each_kpi_as_the_board_does(client, world, today, executive, name):
    page_query, (start, end) = RANGES[name]
    log_in(client, executive)
    board = token_client(client, executive)("/api/v1/board/", {"node": "lille", "start": start, "end": end}).json()
    by_key = {tile["key"]: tile for tile in board["tiles"]}

    page = client.get("/budget/", {"node": "lille", **page_query}).content.decode()

    rows = re.findall(r'<th scope="row"><a href="/kpi/([a-z_]+)/[^"]*">.*?</a></th>\s*<td class="num">(.*?)</td>',
                      page, re.S)  # fmt: skip
    assert len(rows) == 7
    for key, cell in rows:
        api_tile = by_key.get(key) or token_client(client, executive)(
            f"/api/v1/kpis/{key}/value/", {"node": "lille", "start": start, "end": end}).json()  # fmt: skip
        assert text_of(cell).startswith(shown(api_tile["value"], key)), (key, text_of(cell))
        assert ("encore en cours de conversion" in text_of(cell)) == (not api_tile["mature"]), (key, text_of(cell))
