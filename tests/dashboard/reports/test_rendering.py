"""A report as each person receives it: their scope (a franchisee's holds no other franchisee's name or figure, a
region manager's no other region's), their language, objectives first, the movers, the questions they can see; an
HTML e-mail with its charts inline, a text alternative and a PDF that opens and holds the title and the figures."""

from datetime import date, time

import pytest

from accounts.constants import Role
from dashboard.constants import ReportCadence
from dashboard.reports.delivery import report_message
from dashboard.reports.services import report_create
from tests.dashboard.conftest import REPORT_MONTH
from tests.helpers import NBSP, pdf_raw_text, pdf_text, pdf_title, person

pytestmark = pytest.mark.django_db

# fixture name, what the report must hold, what it must not (French formatting: "4 321 €" with a no-break space).
ROLES = [
    ("franchisor", ["104\xa0320\xa0€", "Nord", "Sud", "NICE-QUESTION", "LILLE-OBSERVATION"], []),
    ("executive", ["104\xa0320\xa0€", "NICE-QUESTION", "LILLE-RECOMMENDATION"], []),
    ("marketing", ["104\xa0320\xa0€", "NICE-QUESTION"], []),
    ("region_manager_nord", ["5\xa0555\xa0€", "LILLE-OBSERVATION"],
     ["104\xa0320", "98\xa0765", "Nice", "Sud", "NICE-QUESTION", "77\xa0777"]),
    ("franchisee_user_lille", ["4\xa0321\xa0€", "5\xa0000\xa0€", "LILLE-OBSERVATION", "LILLE-ANALYSIS"],
     ["104\xa0320", "5\xa0555", "1\xa0234", "98\xa0765", "77\xa0777", "Nice", "Roubaix", "Nord", "Sud",
      "NICE-QUESTION"]),
]  # fmt: skip


@pytest.fixture
def monthly(report_world, network, franchisor, executive):
    def make(*recipients):
        return report_create(name="Rapport mensuel", node=network, cadence=ReportCadence.MONTHLY,
                             start_date=date(2026, 3, 1), send_time=time(8), recipients=list(recipients),
                             acting_user=franchisor)  # fmt: skip

    return make


def message_for(report, user, recipient=None):
    return report_message(report=report, user=user, period=REPORT_MONTH, today=REPORT_MONTH.end, recipient=recipient)


def pdf_of(message):
    """The message's one attachment: the report's PDF, named after the report's node and period."""
    (name, content, mimetype), = message.attachments
    assert mimetype == "application/pdf" and name.endswith("-acme-2026-03-01-2026-03-31.pdf")
    return content


def html_of(message):
    (html, mimetype), = message.alternatives
    assert mimetype == "text/html"
    return html


@pytest.mark.parametrize(("who", "present", "absent"), ROLES)
def test_each_role_receives_exactly_what_they_can_open(request, monthly, who, present, absent):
    user = request.getfixturevalue(who)
    report = monthly(user)

    message = message_for(report, user)

    html, text = html_of(message), message.body
    pdf = pdf_raw_text(pdf_of(message)).replace("\u202f", NBSP)
    for marker in present:
        assert marker in html and marker in text, f"{who}: {marker!r} missing"
    for marker in absent:
        for name, body in (("html", html), ("text", text), ("pdf", pdf)):
            assert marker not in body, f"{who}'s {name} shows {marker!r}"


def test_a_franchisee_gets_their_own_board_with_its_objective_and_pace(monthly, franchisee_user_lille):
    report = monthly(franchisee_user_lille)

    text = message_for(report, franchisee_user_lille).body

    assert text.startswith("Rapport mensuel · Lille · 1 – 31 mars 2026")
    # Revenue first, with its objective of March read to the month's end: 4,321 of 5,000 is 86.42 %, below the 90 %
    # of at risk: off track.
    assert text.index("Chiffre d'affaires: 4\xa0321\xa0€") < text.index("Ce qui a le plus bougé")
    assert "Objectif 1 – 31 mars 2026 : 4\xa0321\xa0€ sur 5\xa0000\xa0€ · 86,4\xa0% · ✖ en retard" in text
    assert "▲ +100,0\xa0% " in text  # revenue doubled against February


def test_a_region_manager_gets_the_region_under_a_network_report(monthly, region_manager_nord):
    report = monthly(region_manager_nord)

    message = message_for(report, region_manager_nord)

    assert message.subject == "Rapport mensuel · Nord · 1 – 31 mars 2026"
    assert message.to == ["nord@acme.example"]


def test_a_franchisee_with_two_locations_gets_one_section_each(report_world, monthly, franchisee_roubaix,
                                                               franchisee_lille):  # fmt: skip
    both = person("lille-roubaix@acme.example", Role.FRANCHISEE, franchisee_lille)
    person("lille-roubaix@acme.example", Role.FRANCHISEE, franchisee_roubaix)
    both.refresh_from_db()
    report = monthly(both)

    text = message_for(report, both).body

    assert "== Lille ==" in text and "== Roubaix ==" in text and "1\xa0234\xa0€" in text and "4\xa0321\xa0€" in text
    assert "Nice" not in text and "5\xa0555" not in text


def test_someone_who_can_see_nothing_of_the_node_gets_nothing_and_is_told_why(monthly, franchisee_user_lille,
                                                                             franchisee_lille, region_sud):  # fmt: skip
    from dashboard.models import Report

    report = monthly(franchisee_user_lille)
    Report.objects.filter(pk=report.pk).update(node=region_sud)
    report.refresh_from_db()

    reason = message_for(report, franchisee_user_lille)

    assert reason == "lille@acme.example ne voit rien de Sud : cette personne ne reçoit rien."


def test_the_report_speaks_each_recipients_language(monthly, franchisee_user_lille, executive):
    franchisee_user_lille.language = "en"
    franchisee_user_lille.save()
    report = monthly(franchisee_user_lille, executive)

    english = message_for(report, franchisee_user_lille)
    french = message_for(report, executive)

    assert english.subject == "Rapport mensuel · Lille · 1 – 31 March 2026"
    assert "Revenue: 4,321\xa0€" in english.body and "Business objectives" in english.body
    assert "mars" not in english.body and "Chiffre d'affaires" not in english.body
    assert french.subject == "Rapport mensuel · Acme · 1 – 31 mars 2026"
    assert "Objectifs business" in french.body and "104\xa0320\xa0€" in french.body
    english_pdf = pdf_raw_text(pdf_of(english))
    assert "Revenue" in english_pdf and "March 2026" in english_pdf


def test_the_pdf_opens_and_holds_the_title_and_the_figures_as_in_the_app(monthly, franchisee_user_lille):
    report = monthly(franchisee_user_lille)

    pdf = pdf_of(message_for(report, franchisee_user_lille))

    assert pdf_title(pdf) == "Rapport mensuel · Lille · 1 – 31 mars 2026"
    flat = pdf_text(pdf)
    assert "Rapport mensuel · Lille · 1 – 31 mars 2026" in flat
    assert "Chiffre d'affaires" in flat and "4 321 €" in flat and "5 000 €" in flat  # the euro
    assert "comparé au 1 – 28 février 2026" in flat and "▲ +100,0 % mieux" in flat  # accents and arrows
    assert "LILLE-OBSERVATION" in flat and "Nice" not in flat


def test_the_email_carries_its_charts_inline_a_text_part_and_the_pdf(monthly, franchisee_user_lille):
    report = monthly(franchisee_user_lille)

    mime = message_for(report, franchisee_user_lille, recipient=report.recipients.get()).message()

    assert mime.get_content_type() == "multipart/mixed"
    related, pdf = mime.get_payload()
    assert related.get_content_type() == "multipart/related" and pdf.get_content_type() == "application/pdf"
    alternative, *images = related.get_payload()
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html"]
    html = alternative.get_payload()[1].get_payload(decode=True).decode()
    ids = [image["Content-ID"].strip("<>") for image in images]
    assert ids == ["objectives-0", "movers-0"]
    assert all(f'src="cid:{cid}"' in html for cid in ids)
    assert all(image.get_payload(decode=True).startswith(b"\x89PNG") for image in images)
    assert mime["List-Unsubscribe"].startswith("<http") and mime["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
