import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from accounts.throttling import LIMIT_FACTORS
from tests.helpers import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]  # sign-in counters live there


def sign_in(client, email, password, *, address="203.0.113.9", forwarded=None, path="/login/"):
    """A sign-in attempt as the server sees it: from `address`, with the X-Forwarded-For the client (and proxies)
    wrote."""
    headers = {"REMOTE_ADDR": address}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(path, {"username": email, "password": password}, **headers)


def test_repeated_failed_logins_are_throttled_even_with_the_right_password(client, franchisee_user_lille, settings):
    # The failure that reaches the limit is told so at once.
    statuses = [sign_in(client, "lille@acme.example", "wrong").status_code for _ in range(settings.LOGIN_FAILURE_LIMIT)]
    assert statuses == [200] * (settings.LOGIN_FAILURE_LIMIT - 1) + [429]

    blocked = sign_in(client, "Lille@acme.example", PASSWORD)  # the address is not case-sensitive, nor the lockout

    assert blocked.status_code == 429 and "Trop de tentatives" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_strangers_failures_do_not_lock_the_owner_out(client, franchisee_user_lille, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT * 3):
        sign_in(client, "lille@acme.example", "wrong", address="198.51.100.66")

    response = sign_in(client, "lille@acme.example", PASSWORD, address="203.0.113.9")

    assert response.status_code == 302 and client.session["_auth_user_id"] == str(franchisee_user_lille.pk)


def test_behind_the_proxy_each_real_client_is_counted_and_forged_headers_change_nothing(client, franchisee_user_lille,
                                                                                         executive, settings):
    """Behind one TLS proxy (REMOTE_ADDR is the proxy's), the client is the address the proxy appended: an attacker
    writing a new X-Forwarded-For each time is still one client, and nobody else is locked out with them."""
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "lille@acme.example", "wrong", address="10.0.0.2",
                forwarded=f"192.0.2.{attempt}, 198.51.100.66")  # fmt: skip

    attacker = sign_in(client, "lille@acme.example", PASSWORD, address="10.0.0.2",
                       forwarded="192.0.2.200, 198.51.100.66")  # fmt: skip
    colleague = sign_in(client, "ceo@acme.example", PASSWORD, address="10.0.0.2", forwarded="203.0.113.9")

    assert attacker.status_code == 429
    assert colleague.status_code == 302


def test_one_password_tried_on_many_accounts_locks_the_address(client, franchisee_user_lille, settings):
    tries = settings.LOGIN_FAILURE_LIMIT * LIMIT_FACTORS[("ip_address",)]
    statuses = [sign_in(client, f"user{n}@acme.example", "Summer2026!").status_code for n in range(tries)]

    assert statuses == [200] * (tries - 1) + [429]
    assert sign_in(client, "lille@acme.example", PASSWORD).status_code == 429
    assert sign_in(client, "lille@acme.example", PASSWORD, address="198.51.100.7").status_code == 302


def test_guesses_spread_over_many_addresses_lock_the_account(client, franchisee_user_lille, settings):
    tries = settings.LOGIN_FAILURE_LIMIT * LIMIT_FACTORS[("username",)]
    for n in range(tries - 1):
        sign_in(client, "lille@acme.example", "wrong", address=f"198.51.{n // 250}.{n % 250}")
    assert sign_in(client, "lille@acme.example", PASSWORD, address="203.0.113.9").status_code == 302
    client.logout()
    for n in range(tries):
        sign_in(client, "lille@acme.example", "wrong", address=f"198.51.{n // 250}.{n % 250}")

    assert sign_in(client, "lille@acme.example", PASSWORD, address="203.0.113.9").status_code == 429


def test_the_token_endpoint_counts_failures_with_the_login_page_whatever_x_forwarded_for_says(
        client, franchisee_user_lille, settings):  # fmt: skip
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "1000/min"}}
    sign_in(client, "lille@acme.example", "wrong")
    for attempt in range(settings.LOGIN_FAILURE_LIMIT - 2):
        refused = sign_in(client, "lille@acme.example", "wrong", forwarded=f"192.0.2.{attempt}",
                          path="/api/v1/auth/token/")  # fmt: skip
        assert refused.status_code == 400 and "token" not in refused.json()
    assert sign_in(client, "lille@acme.example", "wrong", path="/api/v1/auth/token/").status_code == 429  # the limit

    response = sign_in(client, "lille@acme.example", PASSWORD, forwarded="192.0.2.99", path="/api/v1/auth/token/")

    assert response.status_code == 429 and "token" not in response.json()
    assert sign_in(client, "lille@acme.example", PASSWORD).status_code == 429  # and the page agrees


def test_the_admin_login_is_throttled_too(client, settings):
    get_user_model().objects.create_superuser(email="root@example.com", password=PASSWORD)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "root@example.com", "wrong", path="/admin/login/")

    response = sign_in(client, "root@example.com", PASSWORD, path="/admin/login/")

    assert response.status_code == 429 and "_auth_user_id" not in client.session


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


def test_api_token_endpoint_is_rate_limited_per_client_whatever_x_forwarded_for_says(client, franchisee_user_lille,
                                                                                        settings):  # fmt: skip
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])
    assert allowed < settings.LOGIN_FAILURE_LIMIT * LIMIT_FACTORS[("ip_address",)]  # the rate, not a lockout, answers
    # A different account each time: no account's failures reach a lockout.
    statuses = [sign_in(client, f"user{n}@acme.example", "x", forwarded=f"192.0.2.{n}",
                        path="/api/v1/auth/token/").status_code for n in range(allowed + 1)]  # fmt: skip

    assert statuses == [400] * allowed + [429]
