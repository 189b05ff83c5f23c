"""On the demo, in Chromium: the executive questions a falling tile in one click; the responsible person is
notified, answers in the Observation / Analysis / Recommendation form; the executive reads the answer."""

import re

import pytest

from dashboard.models import Thread
from tests.helpers import demo_log_in_page

pytestmark = pytest.mark.django_db(transaction=True)


def log_out(page):
    page.click("form[action='/logout/'] button")
    page.wait_for_url(re.compile(r"/login/"))


def open_the_notified_thread(page, thread):
    """From the unread count in the top bar, through the notifications, to the thread."""
    assert page.locator(".unread-count").inner_text() == "1"
    page.click(".nav-notifications")
    page.click(f".notifications a[href^='/questions/{thread.pk}/']")


def test_an_executive_questions_a_falling_tile_and_reads_the_answer(demo, live_server, page, screenshot):
    demo_log_in_page(page, live_server, "direction")
    page.click("table.ranking >> text=Sud")
    assert page.locator("h1").inner_text() == "Sud"

    falling = page.locator(".tile", has=page.locator(".change-bad")).first
    kpi_name = falling.locator(".tile-label").inner_text()
    falling.locator("details.ask > summary").click()  # the one click
    question = falling.locator("textarea[name=body]")
    question.wait_for()
    assert "David Roux" in falling.locator(".addressee").inner_text()  # Sud's manager answers for Sud
    screenshot("question-ask-on-a-tile")
    question.fill(f"Pourquoi « {kpi_name} » baisse-t-il ce mois-ci ? <script>alert('x')</script>")
    falling.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/questions/\d+/$"))
    thread = Thread.objects.get()
    assert (thread.node.slug, thread.addressee.email, thread.status) == ("sud", "region.sud@linguaviva.example",
                                                                          "open")  # fmt: skip
    assert "<script>alert('x')</script>" in page.locator(".message-body").inner_text()  # shown as text, not run
    screenshot("question-asked")
    log_out(page)

    demo_log_in_page(page, live_server, "region.sud")
    open_the_notified_thread(page, thread)
    page.fill("#id_observation", "Les ventes baissent de 10 % alors que les leads web augmentent de 5 %.")
    page.fill("#id_analysis", "Les leads arrivent après la fermeture du centre d'appel.")
    page.fill("#id_recommendation", "- Déplacer le budget sur les heures d'ouverture\n- Ajouter un rappel")
    page.click("button[name=answer]")
    page.wait_for_selector(".oar-recommendation li")
    thread.refresh_from_db()
    assert thread.status == "answered"
    screenshot("question-answered-by-the-region")
    log_out(page)

    demo_log_in_page(page, live_server, "direction")
    open_the_notified_thread(page, thread)
    assert "fermeture du centre d'appel" in page.locator(".oar-analysis").inner_text()
    assert page.locator(".oar-recommendation li").count() == 2
    assert page.locator(".status-answered").is_visible()
    screenshot("question-answer-read-by-the-executive")


def test_a_note_added_on_a_kpi_page_is_drawn_on_its_chart(demo, live_server, page, screenshot):
    demo_log_in_page(page, live_server, "region.sud")
    page.click(".tile >> text=Leads")
    page.wait_for_selector(".chart[data-drawn]")

    page.fill(".annotation-form input[name=text]", "Campagne TV lancée")
    page.click(".annotation-form button[type=submit]")
    page.wait_for_selector(".chart[data-drawn]")

    assert "Campagne TV lancée" in page.locator(".notes").inner_text()
    assert "Campagne TV lancée" in page.locator(".chart-card .annotation-text").first.text_content()  # SVG
    screenshot("kpi-leads-with-a-note")
