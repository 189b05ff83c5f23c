import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from accounts.constants import Role
from accounts.models import Node
from accounts.services import user_grant
from ingestion.importing import import_files
from kpis.catalog import CATALOG, Formula
from kpis.engine import Pace, evaluate, kpi_breakdown, kpi_reports, kpi_series, kpi_slice_breakdown, objective_status
from kpis.models import DailyRollup, Objective, SliceRollup
from kpis.periods import PeriodKind, custom_period, series
from kpis.selectors import rollup_rows
from kpis.services import local_day
from tests.helpers import NODES, PASSWORD, person, token_client, write_csv

PARIS = ZoneInfo("Europe/Paris")


def load(folder, **files):
    write_csv(folder, "nodes", NODES)
    for name, rows in files.items():
        write_csv(folder, name, rows)
    problems = []
    results = import_files([folder], report=problems.append)
    assert problems == [] and all(r.ok for r in results)


def campaign(external_id, node, **extra):
    return {"external_id": external_id, "name": external_id, "channel": "google_ads", "node_slug": node,
            "start_date": "", "end_date": "", "budget": "", **extra}  # fmt: skip


def lead(external_id, node, created_at, **extra):
    return {"external_id": external_id, "created_at": created_at, "node_slug": node, "campaign_external_id": "",
            "customer": "", "revenue": "", **extra}  # fmt: skip


def metric(day, campaign_id, spend, **extra):
    return {"date": day, "campaign_external_id": campaign_id, "spend": spend, **extra}


# Every formula of the catalog, on hand-made sums --------------------------------------------------------------
SUMS = {measure: Decimal(n) for n, measure in enumerate(
    ["spend", "budget", "lead_revenue", "sales_revenue", "impressions", "clicks", "visitors", "page_views",
     "cta_views", "cta_clicks", "lp_views", "form_submits", "leads", "qualified_leads", "customers", "promoters",
     "scored_leads", "lead_score_sum", "hot_leads", "chatbot_customers", "conversations", "captured",
     "goal_completions", "self_served", "escalated", "rated", "rating_pct_sum", "positive_ratings", "duration_s_sum",
     "messages", "orders", "units", "new_customers"], start=3)}  # fmt: skip


@pytest.mark.parametrize("key", list(CATALOG))
def test_every_kpi_applies_its_formula_to_summed_measures(key):
    kpi = CATALOG[key]
    last_year = {"new_customers": Decimal(20)}
    value, numerator, denominator = evaluate(kpi, SUMS, last_year)
    n = SUMS[kpi.numerator]
    if kpi.formula == Formula.SUM:
        assert value == n and denominator is None
    elif kpi.formula == Formula.GROWTH:
        assert value == (n / 20 - 1) * 100
    elif kpi.formula == Formula.MARGIN:
        assert value == (n - SUMS[kpi.denominator]) / SUMS[kpi.denominator] * 100
    else:
        assert value == n / SUMS[kpi.denominator] * kpi.factor


@pytest.mark.parametrize("key", [k for k, kpi in CATALOG.items() if kpi.formula != Formula.SUM])
def test_a_zero_denominator_gives_no_value_not_zero(key):
    kpi = CATALOG[key]
    sums = dict(SUMS, **{kpi.denominator: Decimal(0)})

    assert evaluate(kpi, sums, {"new_customers": Decimal(0)})[0] is None


def test_catalog_values_are_spot_checked_against_the_kpi_catalog():
    sums = {
        "spend": Decimal(500),
        "impressions": Decimal(100000),
        "clicks": Decimal(250),
        "rating_pct_sum": Decimal(1500),
        "rated": Decimal(20),
        "leads": Decimal(40),
        "hot_leads": Decimal(10),
    }
    assert evaluate(CATALOG["cpm"], sums)[0] == Decimal(5)
    assert evaluate(CATALOG["cpc"], sums)[0] == Decimal(2)
    assert evaluate(CATALOG["ctr"], sums)[0] == Decimal("0.25")
    assert evaluate(CATALOG["satisfaction"], sums)[0] == Decimal(75)
    assert evaluate(CATALOG["hot_lead_rate"], sums)[0] == Decimal(25)


# Through imports, rollups and the engine -----------------------------------------------------------------------
@pytest.mark.django_db
def test_article_003_worked_example_roi_is_237_86_percent(tmp_path, capsys):
    load(tmp_path, campaigns=[campaign("c1", "lille")],
         daily_metrics=[metric("2026-02-10", "c1", "25750.00")],
         leads=[lead("l1", "lille", "2026-02-11T10:00:00+01:00", campaign_external_id="c1", customer="yes",
                     revenue="87000.00")])  # fmt: skip

    call_command("kpi", "roi", "--node", "acme", "--start", "2026-01-01", "--end", "2026-03-31", "--json")
    payload = json.loads(capsys.readouterr().out)

    assert payload == {
        "key": "roi", "node": "acme", "start": "2026-01-01", "end": "2026-03-31", "value": 237.86, "unit": "%",
        "numerator": 61250.0, "denominator": 25750.0,
        # 1 January - 31 March is the first quarter: it compares with the fourth (kpi-catalog.md, "Which period a
        # comparison uses"), not with the 90 days before it.
        "previous": {"start": "2025-10-01", "end": "2025-12-31", "value": None, "change": None},
        "last_year": {"start": "2025-01-01", "end": "2025-03-31", "value": None, "change": None},
        "target": None,
        # No change without a comparison; ROI is in %, so its change would be in points; the quarter is long over,
        # so it is counted whole (no as_of) and its leads have had time to convert.
        "change": None, "change_unit": "pts", "mature": True, "as_of": None,
    }  # fmt: skip


@pytest.mark.django_db
def test_breakdown_by_child_node_sums_each_subtree(tmp_path):
    load(
        tmp_path,
        campaigns=[campaign("c-lille", "lille"), campaign("c-nice", "nice")],
        daily_metrics=[metric("2026-03-01", "c-lille", "100.00"), metric("2026-03-01", "c-nice", "900.00")],
        leads=[lead("a", "lille", "2026-03-01T10:00:00+01:00", campaign_external_id="c-lille")]
        + [lead(f"b{n}", "nice", "2026-03-01T10:00:00+01:00", campaign_external_id="c-nice") for n in range(9)],
    )
    period = custom_period(date(2026, 3, 1), date(2026, 3, 31))
    network = Node.objects.get(slug="acme")
    rows = DailyRollup.objects.all()

    cpl = kpi_reports(rows=rows, node=network, keys=["cpl"], period=period)["cpl"].current

    assert cpl.value == Decimal("100.00")
    by_region = kpi_breakdown(rows=rows, node=network, keys=["cpl", "leads"], period=period, by="child",
                              children=list(Node.objects.filter(parent=network).order_by("slug")))  # fmt: skip
    assert [(n.slug, v["cpl"].value, v["leads"].value) for n, v in by_region] == [
        ("nord", Decimal("100.00"), 1),
        ("sud", Decimal("100.00"), 9),
    ]
    by_campaign = kpi_breakdown(rows=rows, node=network, keys=["leads"], period=period, by="campaign")
    assert [v["leads"].value for _, v in by_campaign] == [9, 1]


@pytest.mark.django_db
def test_ratio_of_sums_differs_from_average_of_ratios(tmp_path):
    load(
        tmp_path,
        campaigns=[campaign("c-lille", "lille"), campaign("c-nice", "nice")],
        daily_metrics=[metric("2026-03-01", "c-lille", "100.00"), metric("2026-03-01", "c-nice", "900.00")],
        leads=[lead("a", "lille", "2026-03-01T10:00:00+01:00", campaign_external_id="c-lille")]
        + [lead(f"b{n}", "nice", "2026-03-01T10:00:00+01:00", campaign_external_id="c-nice") for n in range(3)],
    )
    period = custom_period(date(2026, 3, 1), date(2026, 3, 31))
    rows = DailyRollup.objects.all()

    network = kpi_reports(rows=rows, node=Node.objects.get(slug="acme"), keys=["cpl"], period=period)["cpl"]
    lille = kpi_reports(rows=rows, node=Node.objects.get(slug="lille"), keys=["cpl"], period=period)["cpl"]
    nice = kpi_reports(rows=rows, node=Node.objects.get(slug="nice"), keys=["cpl"], period=period)["cpl"]

    assert (lille.current.value, nice.current.value) == (Decimal("100.00"), Decimal("300.00"))
    assert network.current.value == Decimal("250.00")  # 1000 / 4, not (100 + 300) / 2 = 200


def test_local_day_follows_the_daylight_saving_changes_in_paris():
    # Spring forward on 29 March 2026 (UTC+1 -> UTC+2), fall back on 25 October 2026.
    assert local_day(moment=datetime.fromisoformat("2026-03-28T22:59:00+00:00"), zone=PARIS) == date(2026, 3, 28)
    assert local_day(moment=datetime.fromisoformat("2026-03-28T23:00:00+00:00"), zone=PARIS) == date(2026, 3, 29)
    assert local_day(moment=datetime.fromisoformat("2026-03-29T21:59:00+00:00"), zone=PARIS) == date(2026, 3, 29)
    assert local_day(moment=datetime.fromisoformat("2026-03-29T22:00:00+00:00"), zone=PARIS) == date(2026, 3, 30)
    assert local_day(moment=datetime.fromisoformat("2026-10-24T21:59:00+00:00"), zone=PARIS) == date(2026, 10, 24)
    assert local_day(moment=datetime.fromisoformat("2026-10-24T22:00:00+00:00"), zone=PARIS) == date(2026, 10, 25)
    with pytest.raises(ValueError):
        local_day(moment=datetime(2026, 3, 29, 12), zone=PARIS)


@pytest.mark.django_db
def test_leads_count_on_their_local_day_across_the_dst_change(tmp_path):
    load(
        tmp_path, leads=[lead("late", "lille", "2026-03-28T23:30:00Z"), lead("early", "lille", "2026-03-28T22:30:00Z")]
    )
    rows, lille = DailyRollup.objects.all(), Node.objects.get(slug="lille")

    def leads_on(day):
        return kpi_reports(rows=rows, node=lille, keys=["leads"], period=custom_period(day, day))["leads"].current.value

    assert (leads_on(date(2026, 3, 28)), leads_on(date(2026, 3, 29))) == (1, 1)


@pytest.mark.django_db
def test_budget_is_prorated_over_the_campaign_days(tmp_path):
    load(tmp_path, campaigns=[campaign("c1", "lille", start_date="2026-03-01", end_date="2026-03-31", budget="3100"),
                              campaign("undated", "lille", budget="5000")],
         daily_metrics=[metric("2026-03-02", "c1", "250.00")])  # fmt: skip
    rows, lille = DailyRollup.objects.all(), Node.objects.get(slug="lille")

    used = kpi_reports(
        rows=rows, node=lille, keys=["budget_used"], period=custom_period(date(2026, 3, 1), date(2026, 3, 10))
    )

    # 10 of 31 days of 3,100 is 1,000; the undated campaign counts on no day.
    assert used["budget_used"].current.denominator.quantize(Decimal("0.01")) == Decimal("1000.00")
    assert used["budget_used"].current.value == Decimal("25.00")


@pytest.mark.django_db
def test_previous_and_last_year_comparisons(tmp_path):
    load(tmp_path, sales=[{"date": d, "node_slug": "nice", "revenue": r, "new_customers": n}
                          for d, r, n in [("2026-03-15", "300", "6"), ("2026-02-15", "200", "3"),
                                          ("2025-03-15", "100", "4"), ("2025-02-15", "50", "4")]])  # fmt: skip
    period = series(PeriodKind.MONTH, date(2026, 3, 20), 1)[0]
    reports = kpi_reports(rows=DailyRollup.objects.all(), node=Node.objects.get(slug="acme"),
                          keys=["sales_revenue", "customer_growth"], period=period)  # fmt: skip

    revenue = reports["sales_revenue"]
    assert (revenue.current.value, revenue.previous.value, revenue.last_year.value) == (
        Decimal("300.00"),
        Decimal("200.00"),
        Decimal("100.00"),
    )
    assert revenue.change_previous == Decimal("50.00")
    assert revenue.change_last_year == Decimal("200.00")
    growth = reports["customer_growth"]
    assert growth.current.value == Decimal("50.00")  # 6 new customers against 4 a year before
    assert growth.previous.value == Decimal("-25.00")  # 3 against 4


@pytest.mark.django_db
def test_a_board_of_twenty_tiles_with_sparklines_costs_two_queries(tmp_path, django_assert_max_num_queries):
    load(tmp_path, sales=[{"date": "2026-03-15", "node_slug": "nice", "revenue": "300"}])
    network, rows = Node.objects.get(slug="acme"), DailyRollup.objects.all()
    keys = list(CATALOG)[:20]
    months = series(PeriodKind.MONTH, date(2026, 3, 20), 13)

    with django_assert_max_num_queries(2):
        reports = kpi_reports(rows=rows, node=network, keys=keys, period=months[-1])
        sparklines = kpi_series(rows=rows, node=network, keys=keys, periods=months)

    assert len(reports) == 20 and all(len(points) == 13 for points in sparklines.values())
    assert sparklines["sales_revenue"][-1].value == Decimal("300.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "target", "actual_rows", "expected"),
    [
        ("sales_revenue", "3000", 10, Pace.ON_TRACK),  # 10 days x 100 = 1,000 so far -> 3,000 projected
        ("sales_revenue", "3200", 10, Pace.AT_RISK),  # 3,000 projected is 94 % of 3,200
        ("sales_revenue", "4000", 10, Pace.OFF_TRACK),  # 75 %
        ("cpl", "100", 10, Pace.ON_TRACK),  # lower is better: 100 per lead against a target of 100
        ("cpl", "80", 10, Pace.OFF_TRACK),  # 80 / 100 = 80 %
    ],
)
def test_objective_pace_projects_the_actual_to_the_period_end(tmp_path, key, target, actual_rows, expected):
    days = [f"2026-04-{d:02d}" for d in range(1, actual_rows + 1)]
    load(tmp_path, campaigns=[campaign("c1", "nice")],
         daily_metrics=[metric(d, "c1", "100.00") for d in days],
         leads=[lead(f"l{n}", "nice", f"{d}T10:00:00+02:00", campaign_external_id="c1") for n, d in enumerate(days)],
         sales=[{"date": d, "node_slug": "nice", "revenue": "100"} for d in days])  # fmt: skip
    objective = Objective.objects.create(
        kpi=key,
        node=Node.objects.get(slug="sud"),
        period_kind=PeriodKind.MONTH,
        start=date(2026, 4, 1),
        end=date(2026, 4, 30),
        target=Decimal(target),
    )

    status = objective_status(rows=DailyRollup.objects.all(), objective=objective, today=date(2026, 4, 10))

    assert status.pace == expected


@pytest.mark.django_db
def test_objective_before_its_period_has_not_started(tmp_path):
    load(tmp_path)
    objective = Objective.objects.create(
        kpi="leads",
        node=Node.objects.get(slug="acme"),
        period_kind="month",
        start=date(2026, 5, 1),
        end=date(2026, 5, 31),
        target=10,
    )

    status = objective_status(rows=DailyRollup.objects.all(), objective=objective, today=date(2026, 4, 10))

    assert status.pace == Pace.NOT_STARTED


# The API ---------------------------------------------------------------------------------------------------------
@pytest.fixture
def api_tree(tmp_path, db):
    load(tmp_path, campaigns=[campaign("c1", "lille"), campaign("c2", "nice")],
         daily_metrics=[metric("2026-02-10", "c1", "25750.00"), metric("2026-02-10", "c2", "1000.00")],
         leads=[lead("l1", "lille", "2026-02-11T10:00:00+01:00", campaign_external_id="c1", customer="yes",
                     revenue="87000.00")])  # fmt: skip


def test_api_returns_the_contract_json_for_a_visible_node(api_tree, client):
    get = token_client(client, person("nord@example.com", Role.REGION_MANAGER, Node.objects.get(slug="nord")))

    response = get("/api/v1/kpis/roi/value/", {"node": "lille", "start": "2026-01-01", "end": "2026-03-31"})

    assert response.status_code == 200
    assert response.json()["value"] == 237.86
    assert response.json()["previous"] == {"start": "2025-10-01", "end": "2025-12-31", "value": None,
                                           "change": None}  # Q4


def test_api_answers_404_for_a_node_outside_the_callers_scope(api_tree, client):
    get = token_client(client, person("nord@example.com", Role.REGION_MANAGER, Node.objects.get(slug="nord")))

    response = get("/api/v1/kpis/roi/value/", {"node": "nice", "start": "2026-01-01", "end": "2026-03-31"})

    assert response.status_code == 404
    assert "1000" not in response.content.decode()


def test_the_token_endpoints_token_reads_the_api_and_bad_requests_get_404_400_or_401(api_tree, client):
    person("exec@example.com", Role.EXECUTIVE, Node.objects.get(slug="acme"))
    response = client.post("/api/v1/auth/token/", {"username": "exec@example.com", "password": PASSWORD})
    assert response.status_code == 200
    auth = {"HTTP_AUTHORIZATION": f"Token {response.json()['token']}"}

    ok = client.get("/api/v1/kpis/cpl/value/", {"node": "acme", "start": "2026-02-01", "end": "2026-02-28"}, **auth)
    assert ok.json()["value"] == 26750.0
    assert client.get("/api/v1/kpis/nope/value/", {"node": "acme", "start": "2026-02-01", "end": "2026-02-28"},
                      **auth).status_code == 404  # fmt: skip
    assert client.get("/api/v1/kpis/cpl/value/", {"node": "acme", "start": "2026-02-28", "end": "2026-02-01"},
                      **auth).status_code == 400  # fmt: skip
    assert client.get("/api/v1/kpis/cpl/value/", {"node": "acme", "start": "2026-02-01", "end": "2026-02-28"}
                      ).status_code in (401, 403)  # fmt: skip


def test_kpi_command_exits_2_for_an_unknown_kpi_or_node(api_tree):
    for args in (["nope", "--node", "acme"], ["roi", "--node", "nowhere"]):
        with pytest.raises(CommandError) as error:
            call_command("kpi", *args, "--start", "2026-01-01", "--end", "2026-01-31")
        assert error.value.returncode == 2


def test_scoped_rows_hide_other_subtrees(api_tree):
    user, _ = user_grant(email="f@example.com", role=Role.FRANCHISEE, node=Node.objects.get(slug="lille"))
    period = custom_period(date(2026, 2, 1), date(2026, 2, 28))

    spend = kpi_reports(rows=rollup_rows(user=user), node=Node.objects.get(slug="acme"), keys=["cpl"], period=period)

    assert spend["cpl"].current.numerator == Decimal("25750.00")  # Nice's 1,000 is not visible


@pytest.mark.django_db
def test_a_month_under_way_is_compared_to_date(tmp_path):
    load(tmp_path, sales=[{"date": d, "node_slug": "nice", "revenue": "100"}
                          for d in ("2026-03-05", "2026-02-05", "2026-02-20", "2025-03-05", "2025-03-25")])  # fmt: skip
    march = series(PeriodKind.MONTH, date(2026, 3, 10), 1)[0]

    report = kpi_reports(rows=DailyRollup.objects.all(), node=Node.objects.get(slug="acme"),
                         keys=["sales_revenue"], period=march, today=date(2026, 3, 10))["sales_revenue"]  # fmt: skip

    assert (report.current.period.start, report.current.period.end) == (date(2026, 3, 1), date(2026, 3, 10))
    assert (report.previous.period.start, report.previous.period.end) == (date(2026, 2, 1), date(2026, 2, 10))
    assert (report.current.value, report.previous.value, report.last_year.value) == (100, 100, 100)


@pytest.mark.django_db
def test_setting_an_objective_twice_changes_its_target(tmp_path):
    from django.core.exceptions import ValidationError

    from kpis.services import objective_set

    load(tmp_path)
    sud, april = Node.objects.get(slug="sud"), series(PeriodKind.MONTH, date(2026, 4, 1), 1)[0]

    first, created = objective_set(kpi="leads", node=sud, period=april, target=100)
    again, created_again = objective_set(kpi="leads", node=sud, period=april, target="120")

    assert (created, created_again, first.pk == again.pk) == (True, False, True)
    assert Objective.objects.get().target == Decimal(120)
    for kpi, target in (("nope", 1), ("leads", -1)):
        with pytest.raises(ValidationError):
            objective_set(kpi=kpi, node=sud, period=april, target=target)


@pytest.mark.django_db
def test_breakdowns_by_source_segment_score_band_and_local_hour(tmp_path):
    load(tmp_path, leads=[
        lead("a", "lille", "2026-03-02T09:15:00+01:00", source="google", medium="cpc", segment="students", score="85",
             qualified="yes", customer="yes"),
        lead("b", "lille", "2026-03-02T20:30:00+01:00", source="google", medium="cpc", segment="students", score="30",
             qualified="yes", customer="no"),
        lead("c", "nice", "2026-03-03T20:45:00+01:00", source="", medium="", segment="companies", score=""),
    ], conversations=[
        {"external_id": "v1", "started_at": "2026-03-02T20:00:00+01:00", "node_slug": "nice", "captured_contact": "1"},
    ])  # fmt: skip
    network, period = Node.objects.get(slug="acme"), custom_period(date(2026, 3, 1), date(2026, 3, 31))
    slices = SliceRollup.objects.all()

    def breakdown(dimension, keys=("leads",)):
        rows = kpi_slice_breakdown(slices=slices, node=network, keys=list(keys), period=period, dimension=dimension)
        return {label: tuple(values[k].value for k in keys) for label, values in rows}

    assert breakdown("source_medium") == {"google / cpc": (2,), "(none) / (none)": (1,)}
    assert breakdown("segment", ["leads", "customer_conversion_rate"]) == {
        "students": (2, Decimal("50.00")),
        "companies": (1, None),
    }
    assert breakdown("score_band") == {"80-100": (1,), "20-39": (1,), "": (1,)}
    # Local hour and ISO weekday: Monday 2 March 09:xx and 20:xx, Tuesday 3 March 20:xx.
    assert breakdown("hour_weekday") == {"1-09": (1,), "1-20": (1,), "2-20": (1,)}
    assert breakdown("hour_weekday", ["capture_rate"]) == {"1-20": (Decimal("100.00"),)}
    with pytest.raises(ValueError):
        breakdown("source_medium", ["cpl"])  # spend has no lead origin


def test_every_base_measure_has_a_rollup_column_and_slices_keep_lead_and_conversation_measures():
    from kpis.catalog import BASE_MEASURES, SLICE_MEASURES
    from kpis.models import DailyRollup

    assert set(BASE_MEASURES) <= {f.name for f in DailyRollup._meta.get_fields()}
    assert set(SLICE_MEASURES) == {f.name for f in SliceRollup._meta.get_fields()} - {
        "id",
        "day",
        "node",
        "node_path",
        "dimension",
        "value",
    }
