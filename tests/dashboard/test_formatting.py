"""Displayed numbers (kpi-catalog.md, "Displayed numbers"): rounded half-up, never cut; percentages to 1 decimal,
money to the cent below 1,000 and to the euro from 1,000, ratios to 2 decimals, counts whole; the unit's symbol;
non-breaking spaces before units and between thousands in French; changes in % or in points."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from dashboard.formatting import change_text, format_kpi_number, kpi_change
from kpis.catalog import CATALOG
from kpis.engine import KpiReport, KpiValue
from kpis.periods import custom_period

NB = "\xa0"


@pytest.mark.parametrize(("value", "key", "french", "english"), [
    ("66.79", "capture_rate", f"66,8{NB}%", f"66.8{NB}%"),  # rounded, not cut to 66,7
    ("66.75", "capture_rate", f"66,8{NB}%", f"66.8{NB}%"),  # half-up
    ("1278.60", "sales_revenue", f"1{NB}279{NB}€", f"1,279{NB}€"),  # the cents rounded, not dropped
    ("999.995", "sales_revenue", f"1{NB}000{NB}€", f"1,000{NB}€"),
    ("999.99", "sales_revenue", f"999,99{NB}€", f"999.99{NB}€"),
    ("12.345", "cpl", f"12,35{NB}€", f"12.35{NB}€"),
    ("2449.0000", "leads", f"2{NB}449", "2,449"),
    ("2.345", "roas", "2,35", "2.35"),
    ("245.5", "avg_conversation_duration", f"4{NB}min 06{NB}s", f"4{NB}min 06{NB}s"),
    (None, "roi", "—", "—"),
])  # fmt: skip
def test_a_value_is_rounded_half_up_in_its_unit(value, key, french, english):
    value = None if value is None else Decimal(value)

    with translation.override("fr"):
        assert format_kpi_number(value, CATALOG[key], "EUR") == french
    with translation.override("en"):
        assert format_kpi_number(value, CATALOG[key], "EUR") == english


@pytest.mark.parametrize(("change", "unit", "text"), [
    ("-18.05", "%", f"-18,1{NB}%"), ("-18.04", "%", f"-18,0{NB}%"), ("3.25", "pts", f"+3,3{NB}pts"),
    ("0", "%", f"0,0{NB}%"), ("1540.55", "%", f"+1{NB}540,6{NB}%"),
])  # fmt: skip
def test_a_change_is_rounded_half_up_with_its_unit(change, unit, text):
    with translation.override("fr"):
        assert change_text(Decimal(change), unit) == text


def report(key, current, previous):
    period = custom_period(date(2026, 11, 1), date(2026, 11, 30))
    value = lambda v: KpiValue(CATALOG[key], period, Decimal(v), None, None)  # noqa: E731
    return KpiReport(value(current), value(previous), value(previous))


@pytest.mark.parametrize(("key", "current", "previous", "verdict", "text"), [
    ("roi", "-14.29", "-3.49", "bad", f"-10,8{NB}pts"),  # lower ROI is worse, whatever the sign
    ("cpl", "20.00", "16.00", "bad", f"+25,0{NB}%"),  # a dearer lead is worse although the change is positive
    ("cpl", "12.00", "16.00", "good", f"-25,0{NB}%"),
    ("escalation_rate", "10.00", "12.50", "good", f"-2,5{NB}pts"),
    ("budget_used", "90.00", "80.00", "neutral", f"+10,0{NB}pts"),
])  # fmt: skip
def test_better_or_worse_follows_the_kpis_direction(key, current, previous, verdict, text):
    with translation.override("fr"):
        change = kpi_change(report(key, current, previous), "previous")

    assert (change["verdict"], change["text"]) == (verdict, text)


def test_an_immature_value_is_neither_better_nor_worse():
    with translation.override("fr"):
        change = kpi_change(report("roi", "100.00", "900.00"), "previous", mature=False)

    assert (change["verdict"], change["words"], change["arrow"]) == ("neutral", "", "▼")
