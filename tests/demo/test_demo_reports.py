"""On the demo, driven day after day with the dispatcher as beat runs it: the executive receives the network's
monthly report on the 1st of each month, Marseille's franchisee the "new project" report of their local campaign
weekly for its first month, then every two weeks; each at 08:00 in Paris, in their own scope."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from dashboard.demo import NEW_PROJECT_DAYS_AGO, demo_build
from dashboard.models import DeliveryStatus, ReportDelivery
from dashboard.reports.delivery import reports_dispatch_due
from ingestion.demo_data import DEMO_DOMAIN

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
TODAY = datetime(2026, 11, 24).date()
DAYS = 70


def test_the_demos_executive_and_franchisee_receive_the_right_reports_on_the_right_days(
    celery_inline, django_capture_on_commit_callbacks
):
    _logins, counts, _run = demo_build(seed=7, today=TODAY, months=2)
    assert counts["reports"] == 2
    received = []
    for hour in range(DAYS * 24):  # every hour of ten weeks, as beat would (it runs every fifteen minutes)
        now = datetime.combine(TODAY, time(0), tzinfo=PARIS) + timedelta(hours=hour)
        with django_capture_on_commit_callbacks(execute=True):
            reports_dispatch_due(now=now)
        received += [(now.astimezone(PARIS), message) for message in mail.outbox[len(received):]]

    def days_of(email):
        return [(moment.date().isoformat(), moment.strftime("%H:%M"), message.subject) for moment, message in received
                if message.to == [email]]  # fmt: skip

    assert days_of(f"direction@{DEMO_DOMAIN}") == [
        ("2026-12-01", "08:00", "Rapport mensuel du réseau · Linguaviva · 1 – 30 novembre 2026"),
        ("2027-01-01", "08:00", "Rapport mensuel du réseau · Linguaviva · 1 – 31 décembre 2026"),
        ("2027-02-01", "08:00", "Rapport mensuel du réseau · Linguaviva · 1 – 31 janvier 2027"),
    ]
    start = TODAY - timedelta(days=NEW_PROJECT_DAYS_AGO)  # 14 November 2026
    assert start.isoformat() == "2026-11-14"
    assert days_of(f"marseille@{DEMO_DOMAIN}") == [
        # weekly for the first month (its first week went out three days before the demo's day)
        ("2026-11-28", "08:00", "Lancement de la campagne locale · Marseille · 21 – 27 novembre 2026"),
        ("2026-12-05", "08:00", "Lancement de la campagne locale · Marseille · 28 novembre – 4 décembre 2026"),
        ("2026-12-12", "08:00", "Lancement de la campagne locale · Marseille · 5 – 11 décembre 2026"),
        # then every two weeks
        ("2026-12-26", "08:00", "Lancement de la campagne locale · Marseille · 12 – 25 décembre 2026"),
        ("2027-01-09", "08:00", "Lancement de la campagne locale · Marseille · 26 décembre 2026 – 8 janvier 2027"),
        ("2027-01-23", "08:00", "Lancement de la campagne locale · Marseille · 9 – 22 janvier 2027"),
    ]
    assert ReportDelivery.objects.exclude(status=DeliveryStatus.SENT).count() == 0
    marseille = next(m for _moment, m in received if m.to == [f"marseille@{DEMO_DOMAIN}"])
    assert "Marseille" in marseille.body and "Nice" not in marseille.body and "Sud" not in marseille.body


def test_the_demos_reports_show_their_recipients_own_figures_today(celery_inline):
    """The reports of the demo's day, sent now, hold figures: the network's for the executive, Marseille's only
    for its franchisee."""
    from dashboard.models import Report
    from dashboard.reports.delivery import report_send_to

    demo_build(seed=7, today=TODAY, months=2)
    network, project = Report.objects.order_by("node__path")
    executive, franchisee = (r.recipients.get().user for r in (network, project))

    report_send_to(report=network, user=executive, today=TODAY)
    report_send_to(report=project, user=franchisee, today=TODAY)

    to_executive, to_franchisee = mail.outbox
    assert "Île-de-France" in to_executive.body and "Sud" in to_executive.body
    assert to_franchisee.subject == "Lancement de la campagne locale · Marseille · 14 – 20 novembre 2026"
    assert "Chiffre d'affaires: " in to_franchisee.body and "Toulon" not in to_franchisee.body
