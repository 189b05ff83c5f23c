"""Every page says where it may load code from (Content-Security-Policy), the wall and the admin included."""

import pytest

from accounts.services import display_link_issue
from tests.helpers import log_in

pytestmark = pytest.mark.django_db


def policy(response):
    return dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))


@pytest.mark.parametrize("path", ["/", "/kpi/cpl/", "/login/", "/admin/login/", "/healthz/", "/api/v1/board/"])
def test_every_page_carries_a_policy_that_runs_only_the_sites_own_scripts(client, executive, path):
    if path not in ("/login/", "/admin/login/", "/healthz/"):
        log_in(client, executive)

    found = policy(client.get(path))

    assert found["script-src"] == "'self'" and found["default-src"] == "'self'"
    assert found["object-src"] == "'none'" and found["frame-ancestors"] == "'none'"


def test_the_wall_carries_it_too(client, network):
    _link, token = display_link_issue(node=network, days=1)

    response = client.get(f"/wall/{token}/")

    assert response.status_code == 200 and policy(response)["script-src"] == "'self'"
