"""The Team page: a franchisor administrator invites a person, who gets an e-mail after commit, and revokes a role,
which the audit log shows; read-only people get 403 on changes and 404 on the page; another network is out of
reach."""

import re

import pytest
from django.core import mail

from accounts.constants import NodeKind, Role
from accounts.models import AuditEvent, RoleAssignment, User
from accounts.services import node_upsert, user_grant
from tests.helpers import log_in

pytestmark = pytest.mark.django_db


def test_franchisor_invites_a_person_who_gets_an_email_after_commit(client, franchisor, celery_inline,
                                                                    django_capture_on_commit_callbacks):  # fmt: skip
    log_in(client, franchisor)
    assert "Nord" in client.get("/team/").content.decode()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/team/invite/", {"email": "Nouveau@Acme.example", "role": "region_manager",
                                                 "node": "nord"})  # fmt: skip
        assert response.status_code == 302
        assert mail.outbox == []  # nothing leaves before the grant is committed
    for callback in callbacks:
        callback()

    newcomer = User.objects.get(email="nouveau@acme.example")
    assert RoleAssignment.objects.filter(user=newcomer, role="region_manager", node__slug="nord").exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nouveau@acme.example"]
    link = re.search(r"https?://\S+(/password/reset/\S+/)", mail.outbox[0].body).group(1)
    page = client.get(link, follow=True)
    client.post(
        page.redirect_chain[-1][0], {"new_password1": "A-brand-new-pass-77", "new_password2": "A-brand-new-pass-77"}
    )
    assert client.login(username="nouveau@acme.example", password="A-brand-new-pass-77")


def test_franchisor_revokes_a_role_and_the_audit_log_shows_it(client, franchisor, region_manager_nord):
    log_in(client, franchisor)
    assignment = RoleAssignment.objects.get(user=region_manager_nord)

    client.post(f"/team/roles/{assignment.pk}/revoke/")

    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(actor=franchisor, action="role_revoked").exists()
    assert "nord@acme.example" in client.get("/team/").content.decode()  # the audit log names whom


def test_read_only_people_get_403_on_changes_and_404_on_the_page(client, executive, franchisee_user_lille):
    log_in(client, executive)
    assert (
        client.post("/team/invite/", {"email": "x@acme.example", "role": "executive", "node": "acme"}).status_code
        == 403
    )
    assert client.get("/team/").status_code == 404
    assert not User.objects.filter(email="x@acme.example").exists()

    log_in(client, franchisee_user_lille)
    assert client.get("/team/").status_code == 404


def test_a_franchisor_cannot_grant_or_revoke_in_another_network(client, franchisor):
    rival = node_upsert(slug="rival", name="Rival", kind=NodeKind.NETWORK)
    rival_person, _ = user_grant(email="boss@rival.example", role=Role.EXECUTIVE, node=rival)
    log_in(client, franchisor)

    invite = client.post("/team/invite/", {"email": "spy@acme.example", "role": "executive", "node": "rival"})
    revoke = client.post(f"/team/roles/{RoleAssignment.objects.get(user=rival_person).pk}/revoke/")

    assert invite.status_code == 400 and not User.objects.filter(email="spy@acme.example").exists()
    assert revoke.status_code == 404 and RoleAssignment.objects.filter(user=rival_person).exists()
    assert "boss@rival.example" not in client.get("/team/").content.decode()
