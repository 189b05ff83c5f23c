"""API tokens end: after their lifetime, on a password change, on a role taken away."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import RoleAssignment
from accounts.services import role_revoke
from tests.helpers import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]  # sign-in counters live there


def token_of(client, email, password=PASSWORD):
    response = client.post("/api/v1/auth/token/", {"username": email, "password": password})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def board_with(client, token):
    return client.get("/api/v1/board/", {"node": "lille", "start": "2026-01-01", "end": "2026-01-31"},
                      HTTP_AUTHORIZATION=f"Token {token}")  # fmt: skip


def test_a_token_past_its_lifetime_is_refused_and_signing_in_gives_a_new_one(client, franchisee_user_lille, settings):
    token = token_of(client, "lille@acme.example")
    assert board_with(client, token).status_code == 200
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(days=settings.API_TOKEN_LIFETIME_DAYS))

    refused = board_with(client, token)
    renewed = token_of(client, "lille@acme.example")

    assert refused.status_code == 401 and "expir" in refused.json()["detail"].lower()
    assert renewed != token and board_with(client, renewed).status_code == 200


def test_a_token_within_its_lifetime_is_the_same_token(client, franchisee_user_lille, settings):
    token = token_of(client, "lille@acme.example")
    Token.objects.filter(key=token).update(
        created=timezone.now() - timedelta(days=settings.API_TOKEN_LIFETIME_DAYS) + timedelta(hours=1))

    assert token_of(client, "lille@acme.example") == token and board_with(client, token).status_code == 200


def test_a_password_change_ends_the_tokens(client, franchisee_user_lille):
    token = token_of(client, "lille@acme.example")

    franchisee_user_lille.set_password("A-new-secret-2026")
    franchisee_user_lille.save()

    assert board_with(client, token).status_code == 401
    assert board_with(client, token_of(client, "lille@acme.example", "A-new-secret-2026")).status_code == 200


def test_saving_a_person_without_a_new_password_keeps_their_token(client, franchisee_user_lille):
    token = token_of(client, "lille@acme.example")

    franchisee_user_lille.first_name = "Léa"
    franchisee_user_lille.save()

    assert board_with(client, token).status_code == 200


def test_a_role_taken_away_ends_the_tokens(client, franchisee_user_lille):
    token = token_of(client, "lille@acme.example")

    role_revoke(assignment=RoleAssignment.objects.get(user=franchisee_user_lille))

    assert board_with(client, token).status_code == 401
