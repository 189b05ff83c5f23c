"""The Django admin through the one door: in an install with two networks, one network's administrator configures
KPI owners, question rules, layouts, links and objectives of their own network in the admin, and never sees, picks
or opens the other network's; facts and users stay the operators'."""

import pytest
from django.urls import reverse

from accounts.constants import Role
from accounts.models import Node
from dashboard.models import KpiOwner
from tests.factories import FranchiseeFactory, NetworkFactory, RegionFactory
from tests.helpers import log_in, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def globex(db):
    network = NetworkFactory(slug="globex", name="Globex", timezone="Europe/Paris")
    FranchiseeFactory(slug="springfield", name="Springfield",
                      parent=RegionFactory(slug="globex-west", name="West", parent=network))  # fmt: skip
    return network


@pytest.fixture
def acme_admin(network, tree):
    return person("admin@acme.example", Role.FRANCHISOR_ADMIN, network)


@pytest.fixture
def owners(acme_admin, globex, executive):
    globex_person = person("boss@globex.example", Role.FRANCHISOR_ADMIN, globex)
    return (KpiOwner.objects.create(kpi="cpl", node=Node.objects.get(slug="lille"), user=executive),
            KpiOwner.objects.create(kpi="cpl", node=Node.objects.get(slug="springfield"), user=globex_person))


def test_granting_the_franchisor_admin_role_opens_the_admin_without_making_a_superuser(acme_admin):
    assert acme_admin.is_staff and not acme_admin.is_superuser


def test_a_network_admin_lists_only_their_networks_configuration(client, acme_admin, owners):
    ours, theirs = owners
    log_in(client, acme_admin)

    listing = client.get(reverse("admin:dashboard_kpiowner_changelist"))
    theirs_page = client.get(reverse("admin:dashboard_kpiowner_change", args=[theirs.pk]))
    ours_page = client.get(reverse("admin:dashboard_kpiowner_change", args=[ours.pk]))

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [ours]
    assert theirs_page.status_code == 302 and ours_page.status_code == 200  # "does not exist", as for a bad id


def test_a_network_admin_cannot_pick_another_networks_node_or_person(client, acme_admin, owners):
    _ours, theirs = owners
    log_in(client, acme_admin)

    response = client.post(reverse("admin:dashboard_kpiowner_add"),
                           {"kpi": "leads", "node": Node.objects.get(slug="springfield").pk, "user": theirs.user.pk})
    nodes = client.get(reverse("admin:autocomplete"), {"app_label": "dashboard", "model_name": "kpiowner",
                                                       "field_name": "node", "term": ""})  # fmt: skip

    assert response.status_code == 200 and {"node", "user"} <= set(response.context["adminform"].form.errors)
    assert not KpiOwner.objects.filter(kpi="leads").exists()
    assert {item["text"] for item in nodes.json()["results"]} == {
        str(node) for node in Node.objects.filter(path__startswith=acme_admin.role_assignments.get().node.path)}


def test_a_network_admin_adds_configuration_for_their_own_network(client, acme_admin, executive, owners):
    log_in(client, acme_admin)

    response = client.post(reverse("admin:dashboard_kpiowner_add"),
                           {"kpi": "leads", "node": Node.objects.get(slug="nice").pk, "user": executive.pk})

    assert response.status_code == 302
    assert KpiOwner.objects.filter(kpi="leads", node__slug="nice", user=executive).exists()


@pytest.mark.parametrize("model", ["kpis_lead", "kpis_sale", "accounts_roleassignment", "ingestion_datasource"])
def test_facts_and_roles_stay_the_operators(client, acme_admin, model):
    log_in(client, acme_admin)

    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 403


def test_an_operator_sees_every_network(client, owners):
    from django.contrib.auth import get_user_model

    operator = get_user_model().objects.create_superuser(email="ops@example.com", password="x-long-pass-1")
    client.force_login(operator)

    listing = client.get(reverse("admin:dashboard_kpiowner_changelist"))

    assert set(listing.context["cl"].result_list) == set(owners)


def test_franchisor_administrators_granted_before_become_staff(network, tree, executive):
    from importlib import import_module

    from django.apps import apps

    from accounts.models import RoleAssignment, User

    earlier = User.objects.create_user(email="old-admin@acme.example", password="x-long-pass-1")
    RoleAssignment.objects.create(user=earlier, node=network, role=Role.FRANCHISOR_ADMIN)

    import_module("accounts.migrations.0005_franchisor_admins_are_staff").franchisor_admins_staff(apps, None)

    earlier.refresh_from_db()
    executive.refresh_from_db()
    assert earlier.is_staff and not earlier.is_superuser
    assert not executive.is_staff  # other roles are not made staff
