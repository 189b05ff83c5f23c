"""Named people and places, like healthchecks' alice and bob: the Acme network (Europe/Paris) with two regions.

    acme (network)
    ├── nord (region): lille, roubaix
    └── sud (region): nice

Nodes are made through node_upsert and people through user_grant (see tests/factories.py and person() in
tests/helpers.py), as the application makes them.
"""

import pytest
from django.utils import translation

from accounts.constants import Role
from ingestion.services import source_register

from .factories import FranchiseeFactory, NetworkFactory, RegionFactory
from .helpers import person


@pytest.fixture
def network(db):
    return NetworkFactory(slug="acme", name="Acme", timezone="Europe/Paris")


@pytest.fixture
def region_nord(network):
    return RegionFactory(slug="nord", name="Nord", parent=network)


@pytest.fixture
def region_sud(network):
    return RegionFactory(slug="sud", name="Sud", parent=network)


@pytest.fixture
def franchisee_lille(region_nord):
    return FranchiseeFactory(slug="lille", name="Lille", parent=region_nord)


@pytest.fixture
def franchisee_roubaix(region_nord):
    return FranchiseeFactory(slug="roubaix", name="Roubaix", parent=region_nord)


@pytest.fixture
def franchisee_nice(region_sud):
    return FranchiseeFactory(slug="nice", name="Nice", parent=region_sud)


@pytest.fixture
def tree(franchisee_lille, franchisee_roubaix, franchisee_nice):
    """The whole Acme tree."""


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
def marketing(network, tree):
    return person("mkt@acme.example", Role.MARKETING_MANAGER, network)


@pytest.fixture
def region_manager_sud(region_sud, tree):
    return person("sud@acme.example", Role.REGION_MANAGER, region_sud)


@pytest.fixture
def franchisee_user_nice(franchisee_nice, tree):
    return person("nice@acme.example", Role.FRANCHISEE, franchisee_nice)


@pytest.fixture
def franchisee_user_roubaix(franchisee_roubaix, tree):
    return person("roubaix@acme.example", Role.FRANCHISEE, franchisee_roubaix)


@pytest.fixture
def celery_inline():
    """Run queued tasks in the test process, as the embedded default does, even when REDIS_URL points at a broker
    (the real worker has its own test in tests/ingestion)."""
    from config.celery import app

    eager, propagates = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = eager, propagates


@pytest.fixture
def drop_lille(franchisee_lille):
    """Lille's CSV drop folder, "Dépôt Lille", a source that syncs nightly."""
    return source_register(slug="drop-lille", kind="csv", node=franchisee_lille, config={"folder": "/srv/drop"},
                           name="Dépôt Lille")[0]  # fmt: skip


@pytest.fixture
def english():
    """Messages checked in English (use it with pytest.mark.usefixtures); the pages check the interface's French."""
    with translation.override("en"):
        yield


@pytest.fixture
def empty_cache():
    """The cache emptied before and after a test (sign-in failure counters, boards): nothing carried across tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
