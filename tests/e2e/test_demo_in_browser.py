import pytest
from django.utils import timezone

from kpis.demo import DEMO_PASSWORD, demo_build

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    demo_build(seed=7, today=timezone.localdate(), months=2)


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", email)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_executive_logs_in_sees_the_network_and_drills_into_a_region(demo, live_server, page, screenshot):
    log_in(page, live_server, "direction@linguaviva.example")

    assert page.locator("h1").inner_text() == "Linguaviva"
    ranking = page.locator("table.ranking").inner_text()
    for region in ("Île-de-France", "Nord-Est", "Sud"):
        assert region in ranking
    assert page.locator("html").get_attribute("lang") == "fr"
    screenshot("home-executive")

    page.click("table.ranking >> text=Sud")
    assert page.locator("h1").inner_text() == "Sud"
    assert "Marseille" in page.locator("table.ranking").inner_text()
    assert "Lille" not in page.locator("table.ranking").inner_text()
    screenshot("region-sud-executive")


def test_franchisee_sees_only_their_own_location(demo, live_server, page, screenshot):
    log_in(page, live_server, "marseille@linguaviva.example")

    assert page.locator("h1").inner_text() == "Marseille"
    assert page.locator("table.ranking").count() == 0
    screenshot("home-franchisee-marseille")

    response = page.goto(f"{live_server.url}/?node=lille")
    assert response.status == 404


def test_wrong_password_is_refused_with_a_message(demo, live_server, page):
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "direction@linguaviva.example")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")

    assert page.locator("[role=alert]").is_visible()
    assert "/login/" in page.url
