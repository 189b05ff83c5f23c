"""More named people of the Acme network for the question tests, and the month they ask about."""

from datetime import date

import pytest

from accounts.constants import Role
from kpis.periods import PeriodKind, period_containing

from ..conftest import person

DAY = date(2026, 3, 10)
MARCH = period_containing(PeriodKind.MONTH, DAY)


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
