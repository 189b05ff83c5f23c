"""Wall links as accounts issues them: a revoked, expired or tampered link answers 404 on the next request; grants,
revocations, links and objectives are audited. (The display_link command and what a link shows: tests/dashboard/wall.)
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.constants import Role
from accounts.models import AuditAction, AuditEvent, DisplayLink, RoleAssignment
from accounts.services import display_link_resolve, display_link_revoke, role_revoke, user_grant
from dashboard.wall.playlists import display_link_create

pytestmark = pytest.mark.django_db


def test_a_revoked_link_answers_404_on_the_next_request(client, region_nord, tree):
    link, token = display_link_create(node=region_nord, days=1)
    assert client.get(f"/wall/{token}/").status_code == 200

    display_link_revoke(link=link)

    assert client.get(f"/wall/{token}/").status_code == 404


def test_an_expired_or_tampered_link_answers_404(client, region_nord, tree):
    link, token = display_link_create(node=region_nord, days=1)
    DisplayLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(f"/wall/{token}/").status_code == 404
    assert client.get(f"/wall/{token[:-2]}xx/").status_code == 404
    assert display_link_resolve(token="not-a-token") is None


def test_grants_revocations_links_and_objectives_are_audited(franchisor, region_nord, tree):
    from kpis.periods import PeriodKind, period_containing
    from kpis.services import objective_set

    user, _ = user_grant(email="new@acme.example", role=Role.REGION_MANAGER, node=region_nord, acting_user=franchisor)
    role_revoke(assignment=RoleAssignment.objects.get(user=user), acting_user=franchisor)
    link, _ = display_link_create(node=region_nord, days=3, acting_user=franchisor)
    display_link_revoke(link=link, acting_user=franchisor)
    objective_set(kpi="leads", node=region_nord, period=period_containing(PeriodKind.MONTH, timezone.localdate()),
                  target=50, acting_user=franchisor)  # fmt: skip

    events = list(AuditEvent.objects.filter(actor=franchisor).order_by("at", "pk").values_list("action", flat=True))
    assert events == [
        AuditAction.ROLE_GRANTED, AuditAction.ROLE_REVOKED, AuditAction.DISPLAY_LINK_CREATED,
        AuditAction.DISPLAY_LINK_REVOKED, AuditAction.OBJECTIVE_SET,
    ]  # fmt: skip
    assert (
        "new@acme.example: region_manager on nord"
        in AuditEvent.objects.get(actor=franchisor, action="role_granted").summary
    )
