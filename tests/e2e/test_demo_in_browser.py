import pytest

from tests.helpers import demo_log_in_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_executive_logs_in_sees_the_network_and_drills_into_a_region(demo, live_server, page, screenshot):
    demo_log_in_page(page, live_server, "direction")

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
    demo_log_in_page(page, live_server, "marseille")

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


def test_picking_a_language_switches_the_page_at_once(demo, live_server, page):
    demo_log_in_page(page, live_server, "direction")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.wait_for_load_state("load")  # its scripts have run

    with page.expect_navigation():
        page.select_option("#language", "en")

    assert page.locator("html").get_attribute("lang") == "en" and "Business objectives" in page.content()


@pytest.mark.parametrize(
    ("login", "node_name"),
    [("direction", "Linguaviva"), ("marketing", "Linguaviva"), ("region.sud", "Sud"), ("marseille", "Marseille")],
)
def test_each_role_drills_from_a_tile_down_to_a_single_lead(demo, live_server, page, screenshot, login, node_name):
    demo_log_in_page(page, live_server, login)
    assert page.locator("h1").inner_text() == node_name
    page.wait_for_selector(".sparkline[data-drawn]")
    assert page.locator("#objectives-title + .tiles .tile").count() >= 3  # business objectives come first
    screenshot(f"board-{login}")

    page.click(".tile >> text=Leads")
    page.wait_for_selector(".chart[data-drawn]")
    assert page.locator("h1").inner_text().startswith("Leads")
    screenshot(f"kpi-leads-{login}")

    page.click(".drill-links >> text=Campagnes")
    assert page.locator("h1").inner_text().startswith("Campagnes")
    page.locator("table.ranking tbody th a").first.click()
    page.wait_for_selector(".chart[data-drawn]")
    campaign = page.locator("h1").inner_text()
    screenshot(f"campaign-{login}")

    page.click("text=Voir les leads de cette campagne")
    assert campaign in page.locator("h1").inner_text()
    page.locator("table.ranking tbody tr td a").first.click()
    assert page.locator("h1").inner_text().startswith("Lead demo-lead-")
    assert page.locator("dl.facts").is_visible()
    screenshot(f"lead-{login}")


def test_a_franchisee_reads_the_board_on_a_phone(demo, live_server, browser, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR", is_mobile=True)
    phone = context.new_page()
    demo_log_in_page(phone, live_server, "marseille")
    phone.wait_for_selector(".sparkline[data-drawn]")

    widest = phone.evaluate("Math.max(...[...document.querySelectorAll('.tile')]"
                            ".map(tile => tile.getBoundingClientRect().right))")
    assert widest <= 390  # tiles fit the screen: no sideways scrolling to read a figure
    phone.screenshot(path=str(screenshot.folder / "board-marseille-phone.png"), full_page=True)
    context.close()


def test_a_wall_link_runs_unattended_rotates_and_reloads_itself(demo, live_server, page, screenshot, settings):
    from accounts.models import Node
    from dashboard.wall.playlists import display_link_create, playlist_parse

    settings.WALL_REFRESH_SECONDS = 2
    _, token = display_link_create(node=Node.objects.get(slug="linguaviva"), days=1,
                                   playlist=playlist_parse("objectives:5, ranking:5, kpi.sales_revenue@sud:5"))
    page.set_viewport_size({"width": 1920, "height": 1080})

    page.goto(f"{live_server.url}/wall/{token}/")
    assert page.locator("h1").inner_text() == "Linguaviva"
    assert page.locator(".slide-objectives").is_visible() and not page.locator(".slide-ranking").is_visible()
    page.wait_for_selector(".slide-objectives .sparkline[data-drawn]")
    screenshot("wall-1080p")

    # It reloads by itself every 2 s (nobody touches it), and moves on to the next slide after 5 s, reloads or not.
    page.evaluate("window.stillTheSamePage = true")
    page.wait_for_function("() => window.stillTheSamePage === undefined", timeout=10000)
    page.wait_for_selector(".slide-ranking:not([hidden])", timeout=15000)
    page.wait_for_selector(".slide-ranking .chart[data-drawn]")
    screenshot("wall-ranking-1080p")

    page.set_viewport_size({"width": 3840, "height": 2160})
    page.goto(f"{live_server.url}/wall/{token}/#slide=1")
    page.wait_for_selector(".slide-objectives .sparkline[data-drawn]")
    font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.wall-value')).fontSize)")
    assert font >= 150  # the figures grow with the screen: readable from 4 metres on a 4K screen
    screenshot("wall-2160p")
