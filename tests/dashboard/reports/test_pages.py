"""The Reports page (franchisor administrators only: 404 for others, 403 for a read-only person's change): create,
pause and resume, preview as any recipient (HTML and PDF), send now to me; and the unsubscribe link of every
report e-mail, which works without login."""

import re
from datetime import UTC, date, datetime

import pytest
from django.core import mail

from accounts.constants import NodeKind, Role
from accounts.services import node_upsert
from dashboard.constants import ReportCadence
from dashboard.models import Report, ReportRecipient
from dashboard.reports.selectors import unsubscribe_token
from dashboard.reports.services import report_create
from tests.helpers import PASSWORD, log_in, pdf_title, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def weekly(report_world, network, franchisor, franchisee_user_lille, region_manager_nord):
    return report_create(name="Hebdo", node=network, cadence=ReportCadence.WEEKLY, start_date=date(2026, 3, 2),
                         recipients=[franchisee_user_lille, region_manager_nord], acting_user=franchisor)  # fmt: skip


def test_an_admin_creates_a_report_for_people_who_can_see_its_node(client, report_world, franchisor,
                                                                    franchisee_user_lille, franchisee_lille):
    log_in(client, franchisor)
    page = client.get("/reports/").content.decode()
    assert "lille@acme.example" in page and 'value="new_project"' in page

    response = client.post("/reports/create/", {"name": "Lancement Lille", "node": "lille",
                                                "cadence": "new_project", "start_date": "2026-03-02",
                                                "send_time": "07:30", "recipients": [franchisee_user_lille.pk]})

    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert (report.node, report.cadence, report.start_date, report.send_time.isoformat(), report.created_by) == (
        franchisee_lille, "new_project", date(2026, 3, 2), "07:30:00", franchisor)
    assert list(report.recipients.values_list("user__email", flat=True)) == ["lille@acme.example"]
    detail = client.get(f"/reports/{report.pk}/").content.decode()
    assert "Lancement Lille" in detail and "lille@acme.example" in detail


def test_a_recipient_who_can_see_nothing_of_the_node_is_refused_by_name(client, report_world, franchisor,
                                                                        region_sud, tree):
    nice = person("nice@acme.example", Role.FRANCHISEE, region_sud.children.get())
    log_in(client, franchisor)

    response = client.post("/reports/create/", {"name": "Lille", "node": "lille", "cadence": "weekly",
                                                "start_date": "2026-03-02", "send_time": "08:00",
                                                "recipients": [nice.pk]})  # fmt: skip

    assert response.status_code == 400 and "nice@acme.example ne voit rien de Lille." in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize("who", ["executive", "franchisee_user_lille", "region_manager_nord"])
def test_only_administrators_see_the_reports_page_and_read_only_people_cannot_change_it(request, client, weekly,
                                                                                          who):  # fmt: skip
    log_in(client, request.getfixturevalue(who))

    for path in ("/reports/", f"/reports/{weekly.pk}/", f"/reports/{weekly.pk}/preview/"):
        assert client.get(path).status_code == 404, path
    for path in ("/reports/create/", f"/reports/{weekly.pk}/pause/", f"/reports/{weekly.pk}/send-now/"):
        assert client.post(path, {"paused": "1"}).status_code == 403, path
    weekly.refresh_from_db()
    assert not weekly.paused and mail.outbox == []


def test_an_admin_of_another_network_cannot_reach_a_report(client, weekly):
    rival = node_upsert(slug="rival", name="Rivalnet", kind=NodeKind.NETWORK)
    log_in(client, person("boss@rival.example", Role.FRANCHISOR_ADMIN, rival))

    assert client.get(f"/reports/{weekly.pk}/").status_code == 404
    assert client.get(f"/reports/{weekly.pk}/preview/").status_code == 404
    assert client.post(f"/reports/{weekly.pk}/pause/", {"paused": "1"}).status_code == 404
    assert ">Hebdo<" not in client.get("/reports/").content.decode()  # (the cadence menu says "Hebdomadaire")


def test_an_admin_pauses_and_resumes_a_report(client, weekly, franchisor):
    log_in(client, franchisor)

    client.post(f"/reports/{weekly.pk}/pause/", {"paused": "1"})
    weekly.refresh_from_db()
    assert weekly.paused
    client.post(f"/reports/{weekly.pk}/pause/", {"paused": "0"})
    weekly.refresh_from_db()
    assert not weekly.paused


def test_the_preview_shows_what_each_recipient_receives_in_html_and_pdf(client, weekly, franchisor,
                                                                        franchisee_user_lille, region_manager_nord):
    log_in(client, franchisor)

    lille = client.get(f"/reports/{weekly.pk}/preview/", {"recipient": franchisee_user_lille.pk}).content.decode()
    nord = client.get(f"/reports/{weekly.pk}/preview/", {"recipient": region_manager_nord.pk}).content.decode()
    pdf = client.get(f"/reports/{weekly.pk}/preview/", {"recipient": franchisee_user_lille.pk, "format": "pdf"})

    # The send shown is the latest one due (last week's): the banner says whose it is and when it went out.
    assert "lille@acme.example" in lille and "Hebdo · Lille · " in lille and 'class="preview-pdf"' in lille
    assert "Roubaix" not in lille and "Hebdo · Nord · " in nord and "Roubaix" in nord
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf_title(pdf.content).startswith("Hebdo · Lille · ")
    assert client.get(f"/reports/{weekly.pk}/preview/", {"recipient": franchisor.pk}).status_code == 404


def test_the_preview_says_why_someone_would_receive_nothing(client, weekly, franchisor, franchisee_user_lille):
    from accounts.models import RoleAssignment
    from accounts.services import role_revoke

    role_revoke(assignment=RoleAssignment.objects.get(user=franchisee_user_lille))
    log_in(client, franchisor)

    page = client.get(f"/reports/{weekly.pk}/preview/", {"recipient": franchisee_user_lille.pk}).content.decode()

    assert "lille@acme.example ne voit rien de Acme : cette personne ne reçoit rien." in page


def test_send_now_mails_the_admin_the_report_after_commit(client, weekly, franchisor, celery_inline,
                                                         django_capture_on_commit_callbacks):
    log_in(client, franchisor)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reports/{weekly.pk}/send-now/")

    (message,) = mail.outbox
    assert message.to == ["admin@acme.example"] and message.subject.startswith("Hebdo · Acme · ")
    assert message.attachments[0][2] == "application/pdf"
    assert not weekly.deliveries.exists()  # the scheduled send still goes out


def unsubscribe_path(recipient):
    return f"/reports/unsubscribe/{unsubscribe_token(recipient)}/"


def test_opening_the_unsubscribe_link_only_asks(client, weekly, franchisee_user_lille):
    """Mail scanners open every link of a message: opening it (without login) must not unsubscribe anyone."""
    recipient = weekly.recipients.get(user=franchisee_user_lille)

    opened = client.get(unsubscribe_path(recipient))

    recipient.refresh_from_db()
    assert opened.status_code == 200 and recipient.unsubscribed_at is None
    assert "Hebdo" in opened.content.decode() and 'value="unsubscribe"' in opened.content.decode()


def test_the_unsubscribe_button_works_without_login_and_twice(client, weekly, franchisee_user_lille):
    recipient = weekly.recipients.get(user=franchisee_user_lille)

    first = client.post(unsubscribe_path(recipient), {"action": "unsubscribe"})
    again = client.post(unsubscribe_path(recipient), {"action": "unsubscribe"})

    recipient.refresh_from_db()
    assert first.status_code == again.status_code == 200 and recipient.unsubscribed_at is not None
    assert "Hebdo" in again.content.decode() and 'value="subscribe"' in again.content.decode()


def test_the_recipient_subscribes_again_from_the_same_page(client, weekly, franchisee_user_lille):
    recipient = weekly.recipients.get(user=franchisee_user_lille)
    client.post(unsubscribe_path(recipient), {"action": "unsubscribe"})

    response = client.post(unsubscribe_path(recipient), {"action": "subscribe"})

    recipient.refresh_from_db()
    assert response.status_code == 200 and recipient.unsubscribed_at is None
    assert 'value="unsubscribe"' in response.content.decode()


def test_a_mail_clients_one_click_unsubscribe_is_accepted(client, weekly, franchisee_user_lille):
    recipient = weekly.recipients.get(user=franchisee_user_lille)

    response = client.post(unsubscribe_path(recipient), {"List-Unsubscribe": "One-Click"})

    recipient.refresh_from_db()
    assert response.status_code == 204 and recipient.unsubscribed_at is not None


@pytest.mark.parametrize("token", ["forged", "MQ:1abc:xyz", None])
def test_a_forged_or_altered_token_gets_404(client, weekly, franchisee_user_lille, token):
    recipient = weekly.recipients.get(user=franchisee_user_lille)
    if token is None:  # a valid token with one character changed
        genuine = unsubscribe_token(recipient)
        token = genuine[:-1] + ("A" if genuine[-1] != "A" else "B")

    assert client.get(f"/reports/unsubscribe/{token}/").status_code == 404
    assert ReportRecipient.objects.filter(unsubscribed_at__isnull=False).count() == 0


def test_the_report_email_carries_a_working_unsubscribe_link(client, weekly, franchisee_user_lille, settings):
    from dashboard.reports.delivery import report_message
    from kpis.periods import PeriodKind, period_containing

    settings.SITE_URL = "https://kpi.example.com"
    recipient = weekly.recipients.get(user=franchisee_user_lille)
    week = period_containing(PeriodKind.WEEK, date(2026, 3, 10))
    message = report_message(report=weekly, user=franchisee_user_lille, period=week, today=week.end,
                             recipient=recipient)  # fmt: skip

    link = re.search(r"https://kpi\.example\.com(/reports/unsubscribe/\S+/)", message.body).group(1)
    assert message.extra_headers["List-Unsubscribe"] == f"<https://kpi.example.com{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert client.get(link).status_code == 200
    assert client.post(link, {"List-Unsubscribe": "One-Click"}).status_code == 204
    recipient.refresh_from_db()
    assert recipient.unsubscribed_at is not None


def test_the_django_admin_lists_reports_with_their_recipients_and_deliveries_read_only(client, weekly, tree,
                                                                                        django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    from dashboard.reports.delivery import reports_dispatch_due

    operator = get_user_model().objects.create_superuser(email="ops@example.com", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=False):
        assert len(reports_dispatch_due(now=datetime(2026, 3, 9, 7, 5, tzinfo=UTC))) == 2  # Monday, 08:05 in Paris
    log_in(client, operator)

    report = client.get(f"/admin/dashboard/report/{weekly.pk}/change/").content.decode()
    deliveries = client.get("/admin/dashboard/reportdelivery/")

    assert "Hebdo" in report and "lille@acme.example" in report
    assert deliveries.status_code == 200 and "nord@acme.example" in deliveries.content.decode()
    assert client.get("/admin/dashboard/reportdelivery/add/").status_code == 403
