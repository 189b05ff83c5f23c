import re

import pytest
from django.core import mail
from django.core.cache import cache

from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_repeated_failed_logins_are_throttled_even_with_the_right_password(client, franchisee_user_lille, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert client.post("/login/", {"username": "lille@acme.example", "password": "wrong"}).status_code == 200

    blocked = client.post("/login/", {"username": "lille@acme.example", "password": PASSWORD})

    assert blocked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_successful_login_before_the_limit_works(client, franchisee_user_lille):
    client.post("/login/", {"username": "lille@acme.example", "password": "wrong"})

    response = client.post("/login/", {"username": "lille@acme.example", "password": PASSWORD})

    assert response.status_code == 302 and client.session["_auth_user_id"] == str(franchisee_user_lille.pk)


def test_password_reset_by_email_sets_a_new_password(client, franchisee_user_lille):
    client.post("/password/reset/", {"email": "lille@acme.example"})

    assert len(mail.outbox) == 1
    link = re.search(r"/password/reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body).group(0)
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": "Another-long-pass-42",
                                                  "new_password2": "Another-long-pass-42"})  # fmt: skip

    assert client.login(username="lille@acme.example", password="Another-long-pass-42")


def test_login_form_is_csrf_protected(franchisee_user_lille):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert strict.post("/login/", {"username": "lille@acme.example", "password": PASSWORD}).status_code == 403


def test_api_token_endpoint_is_throttled(client, franchisee_user_lille, settings):
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    statuses = [client.post("/api/v1/auth/token/", {"username": "lille@acme.example", "password": "x"}).status_code
                for _ in range(allowed + 1)]  # fmt: skip

    assert statuses == [400] * allowed + [429]
