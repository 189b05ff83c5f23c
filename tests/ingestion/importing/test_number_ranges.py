"""Every number of every format is held to the range of its database column, on the row-by-row path and on the fast
path alike: a value the column cannot hold is refused as `file:line: column: reason` and nothing of the file is
written (PostgreSQL stores 4294967301, sent in binary to an `integer` column, as 5, and says nothing). The bounds are
derived here from the model's fields and the database's own ranges, not from the import's code."""

import pytest
from django.db import connection, models

from ingestion.importing import FACT_FORMATS, bulk, import_file
from tests.helpers import NODES, column_highest, report_lines, write_csv

# The ranges are PostgreSQL's, the system of record's, on any database (SQLite's integers all have 64 bits): a file
# is good or bad wherever it is imported. Off PostgreSQL, the "fast path" is the row-by-row path.
pytestmark = pytest.mark.django_db

# A good row of each format, but for the number under test.
ROWS = {
    "campaigns": {"external_id": "c-x", "name": "X", "channel": "google_ads", "node_slug": "lille"},
    "daily_metrics": {"date": "2026-03-10", "campaign_external_id": "g-lille"},
    "leads": {"external_id": "l-x", "created_at": "2026-03-10T10:00:00+01:00", "node_slug": "lille"},
    "conversations": {"external_id": "c-x", "started_at": "2026-03-10T10:00:00+01:00", "node_slug": "lille",
                      "rating_scale": "10"},
    "sales": {"date": "2026-03-10", "node_slug": "lille"},
}  # fmt: skip
# Numbers a column may hold whose other rules refuse its highest value (a rating within its scale, a scale of 10 or 20).
OTHER_RULES = {("conversations", "rating"), ("conversations", "rating_scale")}


def numeric_columns():
    """(format, column) of every column of the contract stored in a numeric field."""
    return [
        (name, column)
        for name, fmt in FACT_FORMATS.items()
        for column in fmt.required + fmt.optional
        if isinstance(_field(name, column), models.IntegerField | models.DecimalField)
    ]


def _field(name, column):
    fields = {f.name: f for f in FACT_FORMATS[name].model._meta.get_fields()}
    return fields.get(column)


def highest(name, column):
    return column_highest(FACT_FORMATS[name].model, column)


@pytest.fixture
def tree(tmp_path):
    import_file(write_csv(tmp_path, "nodes", NODES), report=pytest.fail)
    campaign = {"external_id": "g-lille", "name": "Google Lille", "channel": "google_ads", "node_slug": "lille"}
    import_file(write_csv(tmp_path, "campaigns", [campaign]), report=pytest.fail)
    return tmp_path


@pytest.fixture(params=["fast path", "row by row"])
def path(request, monkeypatch):
    if request.param == "row by row":
        monkeypatch.setattr(bulk, "supports", lambda fmt: False)
    return request.param


def test_every_number_of_the_formats_is_checked():
    # The tests below take the columns from the formats and the models: this holds that selection to the contract's
    # numbers (budget; spend and 8 counts; score, revenue, purchases; 4 of conversations; 4 of sales).
    assert ("leads", "purchases") in numeric_columns() and ("daily_metrics", "impressions") in numeric_columns()
    assert len(numeric_columns()) == 1 + 9 + 3 + 4 + 4


@pytest.mark.parametrize(("name", "column"), numeric_columns())
def test_a_number_beyond_its_column_is_refused_with_the_bound_and_nothing_is_written(tree, path, name, column):
    top, step = highest(name, column)
    beyond = top + step
    model = FACT_FORMATS[name].model
    before = model.objects.count()
    lines, report = report_lines()

    result = import_file(write_csv(tree, name, [dict(ROWS[name], **{column: str(beyond)})]), report=report)

    assert lines == [f"{name}.csv:2: {column}: {beyond} is above {top}"]
    assert not result.ok and model.objects.count() == before


@pytest.mark.parametrize(("name", "column"), [c for c in numeric_columns() if c not in OTHER_RULES])
def test_the_highest_number_of_a_column_is_stored_as_it_was_written(tree, path, name, column):
    top, _ = highest(name, column)
    model = FACT_FORMATS[name].model
    lines, report = report_lines()

    result = import_file(write_csv(tree, name, [dict(ROWS[name], **{column: str(top)})]), report=report)

    assert (lines, result.created) == ([], 1)
    assert model.objects.filter(**{column: top}).count() == 1


def test_purchases_beyond_a_32_bit_integer_are_refused_not_wrapped(tree, path):
    # The probe's case: 2**32 + 5 would be stored as 5.
    lines, report = report_lines()

    result = import_file(write_csv(tree, "leads", [dict(ROWS["leads"], purchases=str(2**32 + 5))]), report=report)

    assert lines == [f"leads.csv:2: purchases: {2**32 + 5} is above {2**31 - 1}"]
    assert not result.ok and FACT_FORMATS["leads"].model.objects.count() == 0


@pytest.mark.parametrize(
    ("column", "cell", "reason"),
    [
        ("revenue", "NaN", "'NaN' is not a number"),
        ("revenue", "Infinity", "'Infinity' is not a number"),
        ("revenue", "-Infinity", "'-Infinity' is not a number"),
        ("revenue", "1e400", "1e400 is above {top}"),
        ("revenue", "1E+12", "1E+12 is above {top}"),
        ("purchases", "NaN", "'NaN' is not a whole number"),
        ("purchases", "Infinity", "'Infinity' is not a whole number"),
        ("purchases", "1e400", "'1e400' is not a whole number"),
    ],
)
def test_nan_infinity_and_huge_exponents_are_refused_with_a_reason(tree, path, column, cell, reason):
    lines, report = report_lines()

    result = import_file(write_csv(tree, "leads", [dict(ROWS["leads"], **{column: cell})]), report=report)

    assert lines == [f"leads.csv:2: {column}: " + reason.format(top=highest("leads", column)[0])]
    assert not result.ok and FACT_FORMATS["leads"].model.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database conversion is PostgreSQL's")
def test_the_database_conversion_takes_every_number_up_to_its_columns_bound(tree):
    # The database route checks the same bounds as Python: the highest value of each number is converted there.
    row = dict(ROWS["leads"], **{c: str(highest("leads", c)[0]) for c in ("score", "revenue", "purchases")})
    lines, report = report_lines()

    result = import_file(write_csv(tree, "leads", [row]), report=report)

    assert (lines, result.created, result.route) == ([], 1, "database")
    lead = FACT_FORMATS["leads"].model.objects.get()
    assert [lead.score, lead.revenue, lead.purchases] == [highest("leads", c)[0] for c in ("score", "revenue",
                                                                                           "purchases")]  # fmt: skip
