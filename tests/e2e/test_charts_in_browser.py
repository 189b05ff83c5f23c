"""In Chromium, with plotly.js itself: a campaign named with HTML is written as typed on the KPI page's chart, and
no link of its name is drawn (plotly.js renders `<a href>` in labels as a live link)."""

from datetime import date

import pytest
from django.utils import timezone

from tests.factories import campaigns_with_leads
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
LINK = '<a href="https://evil.example/">x</a>'


def test_a_campaign_named_with_a_link_is_text_on_the_chart(network, franchisee_lille, franchisee_user_lille,
                                                           monkeypatch, live_server, page):  # fmt: skip
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 4, 2))
    campaigns_with_leads(network=network, node=franchisee_lille, names=[LINK, "Search Lille"])
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", franchisee_user_lille.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.goto(f"{live_server.url}/kpi/leads/?node=lille&period=custom&start=2026-03-01&end=2026-03-31")
    page.wait_for_selector(".chart[data-drawn]")

    labels = page.locator(".chart .ytick text").all_text_contents()
    assert LINK in labels, labels  # the name as typed, its entities decoded by plotly.js
    assert page.locator(".chart svg a").count() == 0
