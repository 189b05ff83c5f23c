import pytest
from django.utils import timezone

from ingestion.demo import demo_build
from kpis.demo import DEMO_PASSWORD

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


@pytest.mark.parametrize(
    ("login", "node_name"),
    [("direction", "Linguaviva"), ("marketing", "Linguaviva"), ("region.sud", "Sud"), ("marseille", "Marseille")],
)
def test_each_role_drills_from_a_tile_down_to_a_single_lead(demo, live_server, page, screenshot, login, node_name):
    log_in(page, live_server, f"{login}@linguaviva.example")
    assert page.locator("h1").inner_text() == node_name
    page.wait_for_selector(".sparkline[data-drawn]")
    screenshot(f"board-{login}")

    page.click(".tile >> text=Leads")
    page.wait_for_selector(".chart[data-drawn]")
    assert page.locator("h1").inner_text().startswith("Leads")
    screenshot(f"kpi-leads-{login}")

    page.click("text=Voir les leads")
    first_lead = page.locator("table.ranking tbody tr").first
    assert first_lead.locator("td").first.inner_text().startswith("demo-lead-")
    screenshot(f"leads-{login}")


def test_a_wall_link_runs_unattended_and_reloads_itself(demo, live_server, page, screenshot, settings):
    from accounts.models import Node
    from accounts.services import display_link_create

    settings.WALL_REFRESH_SECONDS = 2
    _, token = display_link_create(node=Node.objects.get(slug="linguaviva"), days=1)
    page.set_viewport_size({"width": 1920, "height": 1080})

    page.goto(f"{live_server.url}/wall/{token}/")
    assert page.locator("h1").inner_text() == "Linguaviva"
    page.evaluate("window.stillTheSamePage = true")
    page.wait_for_function("window.stillTheSamePage === undefined", timeout=10000)
    assert page.locator(".wall-tile").count() == 6
    screenshot("wall-1080p")
    page.set_viewport_size({"width": 3840, "height": 2160})
    screenshot("wall-2160p")
