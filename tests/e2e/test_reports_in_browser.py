"""On the demo, in Chromium: an administrator schedules a "new project" report for a franchisee from the Reports
page, previews it as that franchisee would receive it, opens its PDF, and downloads the board as a PDF."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.models import Report
from tests.helpers import demo_log_in_page, pdf_text, pdf_title

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_schedules_a_report_previews_it_and_downloads_the_pdf(demo, live_server, page, screenshot):
    start = timezone.localdate() - timedelta(days=20)
    demo_log_in_page(page, live_server, "admin")
    page.click(".nav-reports")
    assert "Rapport mensuel du réseau" in page.locator("table.reports-list").inner_text()

    page.fill("#id_name", "Ouverture de Marseille")
    page.select_option("#id_node", "marseille")
    page.select_option("#id_cadence", "new_project")
    page.fill("#id_start_date", start.isoformat())
    page.fill("#id_send_time", "07:30")
    page.check(".field-recipients label:has-text('marseille@linguaviva.example') input")
    screenshot("reports-new")
    page.click(".report-form button[type=submit]")
    page.wait_for_url(re.compile(r"/reports/\d+/$"))

    report = Report.objects.get(name="Ouverture de Marseille")
    assert (report.node.slug, report.cadence, report.start_date) == ("marseille", "new_project", start)
    assert "marseille@linguaviva.example" in page.locator("table.recipients").inner_text()
    screenshot("report-detail")

    page.click("table.recipients a.preview-html")
    page.wait_for_selector(".preview-banner")
    assert page.locator("h1").first.inner_text().startswith("Ouverture de Marseille · Marseille · ")
    body = page.locator("table.report").inner_text()
    assert "Chiffre d'affaires" in body and "Toulon" not in body and "Nice" not in body
    assert page.locator("img[src^='data:image/png']").count() >= 1
    screenshot("report-preview-franchisee")

    pdf = page.request.get(live_server.url + page.locator(".preview-banner a.preview-pdf").get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    title, text = pdf_title(pdf.body()), pdf_text(pdf.body())
    assert title.startswith("Ouverture de Marseille · Marseille · ") and "Chiffre d'affaires" in text


def test_an_executive_previewed_report_and_the_board_pdf_download(demo, live_server, page, screenshot):
    demo_log_in_page(page, live_server, "admin")
    network = Report.objects.get(name="Rapport mensuel du réseau")
    executive = network.recipients.get().user
    page.goto(f"{live_server.url}/reports/{network.pk}/preview/?recipient={executive.pk}")
    page.wait_for_selector(".preview-banner")
    assert "Île-de-France" in page.locator("table.report").inner_text()
    page.set_viewport_size({"width": 760, "height": 900})
    screenshot("report-preview-executive")

    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/?node=marseille")
    with page.expect_download() as download:
        page.click(".export-pdf")
    content = download.value.path().read_bytes()
    title, text = pdf_title(content), pdf_text(content)
    assert title.startswith("Marseille · ") and "Chiffre d'affaires" in text and "Toulon" not in text
