"""The pages of "question this KPI": ask in one click from a tile, answer in the Observation / Analysis /
Recommendation form, statuses, lists, notifications, notes on the KPI chart."""

import calendar
import json
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from dashboard.models import Annotation, Notification, Thread
from dashboard.questions.services import thread_open
from tests.dashboard.questions.conftest import MARCH
from tests.helpers import log_in

pytestmark = pytest.mark.django_db


def test_every_tile_offers_a_question_and_shows_its_open_ones(client, executive, franchisee_lille,
                                                              franchisee_user_lille):  # fmt: skip
    log_in(client, executive)
    month = client.get("/", {"node": "lille", "period": "month"}).context["period"]
    thread_open(kpi="leads", node=franchisee_lille, period=month, body="Why?", author=executive)

    page = client.get("/", {"node": "lille", "period": "month"}).content.decode()

    assert page.count('class="ask"') == 12  # every tile of the board
    badges = re.findall(r'href="/kpi/(\w+)/\?node=lille&amp;period=month#questions">([^<]+)<', page)
    assert [key for key, _text in badges] == ["leads"] and badges[0][1].startswith("1 ")
    fragment = client.get("/questions/ask/", {"kpi": "leads", "node": "lille", "fragment": "1"}).content.decode()
    assert "<html" not in fragment
    assert 'name="body"' in fragment and "lille@acme.example" in fragment  # the franchisee, who has no name


def test_an_executive_asks_and_the_question_goes_to_the_responsible_person(client, executive, franchisee_lille,
                                                                           franchisee_user_lille):  # fmt: skip
    log_in(client, executive)

    response = client.post("/questions/ask/?kpi=cpl&node=lille&period=month", {"body": "Why is **CPL** up?"})

    thread = Thread.objects.get()
    assert response.status_code == 302 and response.url == f"/questions/{thread.pk}/"
    assert (thread.kpi, thread.node, thread.author, thread.addressee) == ("cpl", franchisee_lille, executive,
                                                                           franchisee_user_lille)  # fmt: skip
    today = timezone.localdate()
    assert thread.period_start == today.replace(day=1) and thread.period_start <= today <= thread.period_end
    page = client.get(response.url).content.decode()
    assert "Why is <strong>CPL</strong> up?" in page


def test_an_empty_question_is_refused_with_a_message(client, executive, franchisee_lille):
    log_in(client, executive)

    response = client.post("/questions/ask/?kpi=cpl&node=lille", {"body": "   "})

    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert not Thread.objects.exists()


def test_the_responsible_person_answers_observation_analysis_recommendation(client, executive, franchisee_lille,
                                                                            franchisee_user_lille):  # fmt: skip
    thread = thread_open(kpi="leads", node=franchisee_lille, period=MARCH, body="<script>alert(1)</script>",
                         author=executive)  # fmt: skip
    log_in(client, franchisee_user_lille)

    response = client.post(f"/questions/{thread.pk}/answer/", {
        "observation": "Sales fell 10 % while web leads rose 5 %.",
        "analysis": "Leads arrive after the call centre has closed.",
        "recommendation": "- Move budget to opening hours\n- Add a call-back form",
    })  # fmt: skip

    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.status == "answered"
    page = client.get(f"/questions/{thread.pk}/").content.decode()
    assert '<dd class="oar-analysis"><p>Leads arrive after the call centre has closed.</p></dd>' in page
    assert "<li>Add a call-back form</li>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_answer_needs_one_of_its_three_parts(client, executive, franchisee_lille, franchisee_user_lille):
    thread = thread_open(kpi="leads", node=franchisee_lille, period=MARCH, body="Why?", author=executive)
    log_in(client, franchisee_user_lille)

    response = client.post(f"/questions/{thread.pk}/answer/", {"observation": "", "analysis": " "})

    assert response.status_code == 400 and thread.messages.count() == 1


def test_who_may_resolve_a_question(client, executive, franchisee_lille, franchisee_user_lille, region_manager_nord):
    asked_by_manager = thread_open(kpi="leads", node=franchisee_lille, period=MARCH, body="Why?",
                                   author=region_manager_nord)  # fmt: skip
    log_in(client, executive)  # read-only, neither the asker nor the addressee
    assert client.post(f"/questions/{asked_by_manager.pk}/status/", {"status": "resolved"}).status_code == 403
    log_in(client, franchisee_user_lille)  # the addressee
    assert client.post(f"/questions/{asked_by_manager.pk}/status/", {"status": "resolved"}).status_code == 302
    asked_by_manager.refresh_from_db()
    assert asked_by_manager.status == "resolved"
    assert client.post(f"/questions/{asked_by_manager.pk}/status/", {"status": "bogus"}).status_code == 400


def test_lists_and_notifications_of_a_person(client, executive, franchisee_lille, franchisee_user_lille):
    thread = thread_open(kpi="leads", node=franchisee_lille, period=MARCH, body="Why?", author=executive)
    log_in(client, franchisee_user_lille)

    home = client.get("/").content.decode()
    assert re.search(r'class="unread-count">1<', home)
    assert f"/questions/{thread.pk}/" in client.get("/questions/for-me/").content.decode()
    assert f"/questions/{thread.pk}/" not in client.get("/questions/mine/").content.decode()
    assert f"/questions/{thread.pk}/" in client.get("/notifications/").content.decode()
    client.post("/notifications/read/")
    assert Notification.objects.get().read_at is not None
    assert 'class="unread-count"' not in client.get("/").content.decode()
    log_in(client, executive)
    assert f"/questions/{thread.pk}/" in client.get("/questions/mine/").content.decode()


def test_a_note_is_drawn_on_the_kpi_chart_and_listed(client, region_manager_nord, franchisee_lille):
    log_in(client, region_manager_nord)
    today = timezone.localdate()

    response = client.post("/annotations/add/?kpi=leads&node=lille&period=month",
                           {"day": today.isoformat(), "text": 'TV campaign <b onclick="x">started</b>'})  # fmt: skip

    assert response.status_code == 302 and response.url == "/kpi/leads/?node=lille&period=month"
    note = Annotation.objects.get()
    assert (note.kpi, note.node, note.author) == ("leads", franchisee_lille, region_manager_nord)
    page = client.get(response.url)
    figure = json.loads(page.context["trend"])
    # Tags escaped; a quote stays a quote (plotly.js would show "&quot;" as typed, and it opens no tag).
    assert [a["text"] for a in figure["layout"]["annotations"]] == [
        f'{today:%d/%m} TV campaign &lt;b onclick="x"&gt;started&lt;/b&gt;'
    ]
    # On the axis, at its month: the last category, as the axis names it (the month is under way: "(to date)").
    assert figure["layout"]["shapes"][0]["x0"] == figure["data"][0]["x"][-1] == figure["layout"]["annotations"][0]["x"]
    assert "TV campaign &lt;b" in page.content.decode()


@pytest.mark.parametrize("shown", ["past", "current"])
def test_the_note_form_proposes_a_day_inside_the_period_shown(client, region_manager_nord, franchisee_lille, shown):
    log_in(client, region_manager_nord)
    today = timezone.localdate()
    at = (today.replace(day=1) - timedelta(days=1)).replace(day=1) if shown == "past" else today
    last_day = at.replace(day=calendar.monthrange(at.year, at.month)[1])

    page = client.get("/kpi/leads/", {"node": "lille", "period": "month", "at": at.isoformat()}).content.decode()

    proposed = date.fromisoformat(re.search(r'name="day" required value="([0-9-]+)"', page).group(1))
    assert proposed == min(last_day, today)  # a note added as proposed lands on the chart being looked at


def test_a_note_about_every_kpi_shows_on_each_kpi_but_not_elsewhere(client, region_manager_nord, franchisee_lille,
                                                                    franchisee_roubaix):  # fmt: skip
    log_in(client, region_manager_nord)
    client.post("/annotations/add/?kpi=leads&node=lille",
                {"day": timezone.localdate().isoformat(), "text": "Call centre closed", "every_kpi": "on"})  # fmt: skip

    assert "Call centre closed" in client.get("/kpi/cpl/", {"node": "lille", "period": "month"}).content.decode()
    assert "Call centre closed" not in client.get("/kpi/cpl/", {"node": "roubaix", "period": "month"}).content.decode()


def test_read_only_people_may_ask_but_not_annotate(client, executive, franchisee_lille, franchisee_user_lille):
    log_in(client, executive)

    refused = client.post("/annotations/add/?kpi=leads&node=lille", {"day": "2026-03-01", "text": "x"})

    assert refused.status_code == 403 and not Annotation.objects.exists()
    assert 'class="annotation-form' not in client.get("/kpi/leads/", {"node": "lille"}).content.decode()
    log_in(client, franchisee_user_lille)
    assert client.post("/annotations/add/?kpi=leads&node=nice", {"day": "2026-03-01", "text": "x"}).status_code == 404


def test_the_wall_lists_the_latest_notes_of_its_subtree(client, region_manager_nord, franchisee_lille, region_nord):
    from dashboard.questions.services import annotation_add
    from dashboard.wall.playlists import display_link_create

    annotation_add(kpi="", node=franchisee_lille, day=date(2026, 3, 2), text="Call centre closed for works",
                   author=region_manager_nord)  # fmt: skip
    _, token = display_link_create(node=region_nord, days=1)

    assert "Call centre closed for works" in client.get(f"/wall/{token}/").content.decode()
