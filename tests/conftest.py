"""Named people and places, like healthchecks' alice and bob: the Acme network with two regions."""

import pytest

from accounts.constants import NodeKind, Role
from accounts.services import node_upsert, user_grant

PASSWORD = "correct-horse-battery"


@pytest.fixture
def network(db):
    return node_upsert(slug="acme", name="Acme", kind=NodeKind.NETWORK, timezone="Europe/Paris")


@pytest.fixture
def region_nord(network):
    return node_upsert(slug="nord", name="Nord", kind=NodeKind.REGION, parent=network)


@pytest.fixture
def region_sud(network):
    return node_upsert(slug="sud", name="Sud", kind=NodeKind.REGION, parent=network)


@pytest.fixture
def franchisee_lille(region_nord):
    return node_upsert(slug="lille", name="Lille", kind=NodeKind.FRANCHISEE, parent=region_nord)


@pytest.fixture
def franchisee_roubaix(region_nord):
    return node_upsert(slug="roubaix", name="Roubaix", kind=NodeKind.FRANCHISEE, parent=region_nord)


@pytest.fixture
def franchisee_nice(region_sud):
    return node_upsert(slug="nice", name="Nice", kind=NodeKind.FRANCHISEE, parent=region_sud)


@pytest.fixture
def tree(franchisee_lille, franchisee_roubaix, franchisee_nice):
    """The whole Acme tree."""


def person(email, role, node):
    return user_grant(email=email, role=role, node=node, password=PASSWORD)[0]


@pytest.fixture
def franchisor(network, tree):
    return person("admin@acme.example", Role.FRANCHISOR_ADMIN, network)


@pytest.fixture
def executive(network, tree):
    return person("ceo@acme.example", Role.EXECUTIVE, network)


@pytest.fixture
def region_manager_nord(region_nord, tree):
    return person("nord@acme.example", Role.REGION_MANAGER, region_nord)


@pytest.fixture
def franchisee_user_lille(franchisee_lille, tree):
    return person("lille@acme.example", Role.FRANCHISEE, franchisee_lille)


@pytest.fixture
def celery_inline():
    """Run queued tasks in the test process, as the embedded default does, even when REDIS_URL points at a broker
    (the real worker has its own test in tests/ingestion)."""
    from config.celery import app

    eager, propagates = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = eager, propagates
