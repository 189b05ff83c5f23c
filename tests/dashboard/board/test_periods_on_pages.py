"""The periods people read on the pages: the board's default early in a month, past periods one click away, links
that keep the range, the dates compared said in words, partial last points, budgets of the same days, maturity."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboard.models import QuestionRule, RuleComparison, RuleKind, RuleScope, Thread
from dashboard.questions.automatic import automatic_questions_run
from kpis.models import ConversionLag
from tests.dashboard.board.conftest import MARCH_TO_DATE
from tests.helpers import NBSP, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_day(monkeypatch):
    """Freeze the network's local day at the given date for every page and API call."""

    def freeze(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        return day

    return freeze


def test_on_the_2nd_of_a_month_the_board_opens_on_last_month_whole(client, world, executive, on_day):
    on_day(date(2026, 3, 2))
    log_in(client, executive)

    response = client.get("/")

    period = response.context["period"]
    assert (period.start, period.end) == (date(2026, 2, 1), date(2026, 2, 28))
    page = response.content.decode()
    assert "Février 2026" in page and "le tableau de bord s'ouvre sur le mois dernier entier" in page
    # The whole of February against the whole of January and February 2025, said in words.
    assert re.search(r"1 – 28 février 2026, comparé au 1 – 31 janvier 2026 et au 1 – 28 février 2025",
                     page.replace(NBSP, " "))  # fmt: skip
    # Links keep February: the tiles, the ranking and the drill links name it.
    assert 'href="/kpi/sales_revenue/?node=acme&amp;period=month&amp;at=2026-02-01"' in page
    assert 'href="?node=nord&amp;period=month&amp;at=2026-02-01"' in page


def test_from_the_8th_the_board_opens_on_the_month_to_date(client, world, executive, on_day):
    on_day(date(2026, 3, 8))
    log_in(client, executive)

    response = client.get("/")

    assert (response.context["period"].start, response.context["period"].end) == (date(2026, 3, 1),
                                                                                   date(2026, 3, 31))  # fmt: skip
    page = response.content.decode().replace(NBSP, " ")
    assert "1 – 8 mars 2026 (à date), comparé au 1 – 8 février 2026 et au 1 – 8 mars 2025" in page
    assert "s'ouvre sur le mois dernier" not in page


def test_past_weeks_months_quarters_and_fiscal_years_are_one_click_away(client, world, executive, on_day):
    on_day(date(2026, 3, 12))
    log_in(client, executive)

    page = client.get("/", {"node": "nord"}).content.decode()

    for query in ("period=week&amp;at=2026-03-02", "period=month&amp;at=2026-02-01", "period=quarter&amp;at=2025-10-01",
                  "period=fiscal_year&amp;at=2025-01-01"):  # fmt: skip
        assert f'href="?node=nord&amp;{query}"' in page, query
    months = re.findall(r'<option value="(\d{4}-\d\d-01)"', page)
    assert months[0] == "2026-03-01" and months[-1] == "2024-04-01" and len(months) == 24
    # A month from the list is that month, compared with the month before it.
    picked = client.get("/", {"node": "nord", "period": "month", "at": "2025-11-01"}).context["board_range"]
    assert [(p.start, p.end) for p in picked.compared] == [
        (date(2025, 11, 1), date(2025, 11, 30)), (date(2025, 10, 1), date(2025, 10, 31)),
        (date(2024, 11, 1), date(2024, 11, 30))]  # fmt: skip


def test_drilling_down_keeps_a_typed_range(client, world, executive, today):
    log_in(client, executive)
    odd = {"period": "custom", "start": "2026-01-10", "end": "2026-02-20"}

    page = client.get("/", {"node": "acme", **odd}).content.decode()
    kpi_page = client.get("/kpi/leads/", {"node": "acme", **odd}).content.decode()

    kept = "period=custom&amp;start=2026-01-10&amp;end=2026-02-20"
    assert f'href="?node=nord&amp;{kept}"' in page  # the ranking
    assert f'href="/kpi/leads/?node=acme&amp;{kept}"' in page  # a tile
    assert f'href="?node=nord&amp;{kept}"' in kpi_page  # the ranking of the KPI page
    assert f'href="/?node=acme&amp;{kept}"' in kpi_page  # the breadcrumbs


def test_a_month_under_way_marks_its_last_point_as_partial(client, world, executive, today):
    log_in(client, executive)

    response = client.get("/", MARCH_TO_DATE)
    figure = json.loads(response.context["sparklines"]["sales_revenue"])
    whole = json.loads(client.get("/", {"period": "month", "at": "2026-02-01"}).context["sparklines"]["sales_revenue"])

    assert figure["data"][-1]["marker"]["symbol"] == "circle-open" and figure["data"][-1]["x"][0].endswith("(à date)")
    assert figure["data"][1]["line"]["dash"] == "dot"
    assert all("(à date)" not in str(trace.get("x")) for trace in whole["data"])


def test_the_budget_page_says_the_whole_months_budget_and_what_is_spent_to_date(client, world, executive, today):
    log_in(client, executive)

    response = client.get("/budget/", {"node": "lille", **MARCH_TO_DATE})

    page = response.content.decode().replace(NBSP, " ")
    # Lille's own campaign: 2,920 € over 2025-2026 (730 days), 4 € a day, and the network's campaign runs above it,
    # not on it: March is 124 €, 12 days of it 48 €; spend of 3 and 10 March: 20 + 3 x 6 + 0.35 and 20 + 3 x 7 + 0.35.
    assert "Budget de toute la période : 124,00 €" in page
    assert "À date : 79,70 € dépensés sur les 48,00 € budgétés pour les jours écoulés" in page
    assert response.context["spend"] == Decimal("79.70") and response.context["budget"] == Decimal("48.00")


def test_no_question_is_asked_about_a_value_still_converting(world, network, franchisee_lille, on_day):
    today = on_day(date(2026, 3, 12))
    ConversionLag.objects.create(network=network, days=30, measured_on=today, basis="measured")

    def drop_rule(kpi):
        return QuestionRule.objects.create(kpi=kpi, node=franchisee_lille, scope=RuleScope.NODE, kind=RuleKind.DROP,
                                           comparison=RuleComparison.PREVIOUS, threshold=Decimal(0))  # fmt: skip

    roi, cpl = drop_rule("roi"), drop_rule("cpl")

    automatic_questions_run(network=network, today=today)

    # Lille's 1-12 March against 1-12 February: ROI 1,029 % from 1,847 % (-44 %), cost per lead 15,94 € from
    # 8,09 € (+97 %): both worse. Cost per lead is questioned; ROI, whose March leads are still converting, is not.
    assert list(Thread.objects.values_list("rule", flat=True)) == [cpl.pk]
    assert not Thread.objects.filter(rule=roi).exists()
