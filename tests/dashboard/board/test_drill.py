"""From a tile down to single facts: campaigns (including one shared by the network), a campaign's page, the lists
of leads and conversations with their filters and CSV, and one lead. Each page reads through the caller's scope."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.constants import Role
from kpis.rollups import rollups_refresh
from tests.factories import CampaignFactory, ConversationFactory, DailyMetricFactory, LeadFactory
from tests.helpers import csv_rows, log_in, person

pytestmark = pytest.mark.django_db


def this_month(network):
    today = timezone.localdate(timezone=network.zone)
    return today, datetime.combine(today, datetime.min.time(), tzinfo=network.zone).replace(hour=10)


@pytest.fixture
def campaigns(network, franchisee_lille, franchisee_nice):
    """A campaign shared by the whole network (3 leads in Lille, 5 in Nice), and one local campaign each for Lille
    (2 leads, 40 € spent today) and Nice."""
    today, morning = this_month(network)
    shared = CampaignFactory(name="Rentrée nationale", node=network, budget=Decimal("3000"),
                             start_date=today.replace(day=1), end_date=today.replace(day=1) + timedelta(days=29))
    lille = CampaignFactory(name="Lille locale", node=franchisee_lille)
    nice = CampaignFactory(name="Nice locale", node=franchisee_nice)
    DailyMetricFactory(campaign=shared, date=today, spend=Decimal("500"), impressions=10000, clicks=300)
    DailyMetricFactory(campaign=lille, date=today, spend=Decimal("40"), impressions=2000, clicks=80, lp_views=60,
                       form_submits=6)  # fmt: skip
    DailyMetricFactory(campaign=nice, date=today, spend=Decimal("70"))
    for node, campaign, count in ((franchisee_lille, shared, 3), (franchisee_nice, shared, 5),
                                  (franchisee_lille, lille, 2), (franchisee_nice, nice, 4)):  # fmt: skip
        LeadFactory.create_batch(count, node=node, campaign=campaign, created_at=morning, qualified=True)
    rollups_refresh(network=network)
    return {"shared": shared, "lille": lille, "nice": nice}


def test_a_franchisee_opens_a_network_campaign_and_sees_only_what_it_did_on_their_node(client, franchisee_user_lille,
                                                                                      campaigns):  # fmt: skip
    log_in(client, franchisee_user_lille)

    response = client.get(f"/campaigns/{campaigns['shared'].pk}/", {"period": "month"})

    assert response.status_code == 200
    tiles = {t.kpi.key: t.report.current for t in response.context["tiles"]}
    assert tiles["leads"].value == 3  # Lille's three, not Nice's five
    assert tiles["leads"].numerator == 3 and not response.context["spend"]  # the network's spend is not Lille's
    assert response.context["node"].slug == "lille"
    assert "Nice" not in response.content.decode()


def test_a_franchisee_cannot_open_another_franchisees_campaign(client, franchisee_user_lille, campaigns):
    log_in(client, franchisee_user_lille)

    assert client.get(f"/campaigns/{campaigns['nice'].pk}/").status_code == 404
    assert client.get(f"/campaigns/{campaigns['lille'].pk}/", {"node": "nice"}).status_code == 404


def test_the_campaigns_list_ranks_what_spent_under_the_node_and_names_no_peer(client, franchisee_user_lille,
                                                                             campaigns):  # fmt: skip
    log_in(client, franchisee_user_lille)

    response = client.get("/campaigns/", {"period": "month"})

    names = [campaign.name for campaign, _spend, _values in response.context["lines"]]
    assert names == ["Lille locale", "Rentrée nationale"]  # Lille's own spend first; the shared one brought leads
    assert "Nice locale" not in response.content.decode()


def test_a_region_manager_sees_a_campaign_with_its_funnel_and_each_node_below(client, region_manager_nord, campaigns):
    log_in(client, region_manager_nord)

    local = client.get(f"/campaigns/{campaigns['lille'].pk}/", {"node": "nord", "period": "month"})
    shared = client.get(f"/campaigns/{campaigns['shared'].pk}/", {"node": "nord", "period": "month"})

    assert local.status_code == 200
    funnel = local.context["funnel"]
    for stage in ('"Impressions"', '"Clics"', '"Leads"', "2000", "80", "60", "6"):
        assert stage in funnel
    assert local.context["spend"] == Decimal("40.00")
    by_child = {child.slug: values["leads"].value for child, values in shared.context["by_child"]}
    assert by_child == {"lille": 3}  # Roubaix did nothing with it; Nice is another region
    assert client.get(f"/campaigns/{campaigns['lille'].pk}/", {"node": "sud"}).status_code == 404


def test_a_campaign_outside_the_period_offers_its_whole_life(client, region_manager_nord, network, franchisee_lille):
    old = CampaignFactory(name="Printemps 2025", node=franchisee_lille, start_date=date(2025, 3, 1),
                          end_date=date(2025, 5, 31), budget=Decimal("900"))  # fmt: skip
    log_in(client, region_manager_nord)

    by_default = client.get(f"/campaigns/{old.pk}/")
    this_month_only = client.get(f"/campaigns/{old.pk}/", {"period": "month"})

    assert (by_default.context["period"].start, by_default.context["period"].end) == (date(2025, 3, 1),
                                                                                        date(2025, 5, 31))
    assert not by_default.context["outside"] and this_month_only.context["outside"]
    assert "2025-03-01" in this_month_only.content.decode()  # the link to its whole life


@pytest.fixture
def leads(network, franchisee_lille, franchisee_nice):
    _today, morning = this_month(network)
    specs = [("g1", "google", "cpc", "parents", True, True, 80), ("g2", "google", "cpc", "students", False, None, 40),
             ("f1", "facebook", "paid_social", "parents", None, None, 75), ("n1", "google", "cpc", "parents", True,
                                                                              True, 90)]  # fmt: skip
    for external_id, source, medium, segment, qualified, customer, score in specs:
        LeadFactory(external_id=external_id, node=franchisee_nice if external_id == "n1" else franchisee_lille,
                    created_at=morning, source=source, medium=medium, segment=segment, qualified=qualified,
                    customer=customer, score=score)  # fmt: skip


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"g1", "g2", "f1"}),
        ({"source": "google"}, {"g1", "g2"}),
        ({"segment": "parents", "medium": "cpc"}, {"g1"}),
        ({"qualified": "no"}, {"g2"}),
        ({"qualified": "unknown"}, {"f1"}),
        ({"customer": "yes"}, {"g1"}),
        ({"min_score": "75"}, {"g1", "f1"}),
        ({"q": "f1"}, {"f1"}),
        ({"qualified": "maybe"}, {"g1", "g2", "f1"}),  # an unknown value filters nothing
    ],
)
def test_the_leads_list_filters_and_its_csv_follows_the_filters(client, franchisee_user_lille, leads, filters,
                                                                expected):  # fmt: skip
    log_in(client, franchisee_user_lille)

    page = client.get("/leads/", {"period": "month", **filters})
    exported = client.get("/leads/", {"period": "month", "format": "csv", **filters})

    assert {lead.external_id for lead in page.context["page"]} == expected
    rows = csv_rows(exported)
    assert {row["external_id"] for row in rows} == expected


def test_the_leads_list_offers_the_sources_met_in_the_period_as_filters(client, franchisee_user_lille, leads):
    log_in(client, franchisee_user_lille)

    choices = client.get("/leads/", {"period": "month"}).context["choices"]

    assert choices == {"source": ["facebook", "google"], "medium": ["cpc", "paid_social"],
                       "segment": ["parents", "students"]}  # fmt: skip


def test_a_lead_page_shows_its_conversations_and_another_franchisees_lead_is_404(client, franchisee_user_lille, leads,
                                                                                 network):  # fmt: skip
    from kpis.models import Lead

    _today, morning = this_month(network)
    own, other = Lead.objects.get(external_id="g1"), Lead.objects.get(external_id="n1")
    ConversationFactory(external_id="chat-g1", node=own.node, lead=own, started_at=morning, messages=12,
                        goal_completed=True)  # fmt: skip
    log_in(client, franchisee_user_lille)

    response = client.get(f"/leads/{own.pk}/")

    assert response.status_code == 200
    assert [c.external_id for c in response.context["conversations"]] == ["chat-g1"]
    assert "12" in response.content.decode()
    assert client.get(f"/leads/{other.pk}/").status_code == 404


@pytest.fixture
def conversations(network, franchisee_lille, franchisee_roubaix, franchisee_nice):
    _today, morning = this_month(network)
    ConversationFactory(external_id="c-lille-1", node=franchisee_lille, started_at=morning, escalated=True,
                        rating=8, rating_scale=10)  # fmt: skip
    ConversationFactory(external_id="c-lille-2", node=franchisee_lille, started_at=morning, captured_contact=True,
                        channel="whatsapp")  # fmt: skip
    ConversationFactory(external_id="c-roubaix", node=franchisee_roubaix, started_at=morning)
    ConversationFactory(external_id="c-nice", node=franchisee_nice, started_at=morning, escalated=True)


def test_the_conversations_list_filters_exports_and_stays_in_scope(client, region_manager_nord, conversations):
    log_in(client, region_manager_nord)

    everything = client.get("/conversations/", {"period": "month"})
    escalated = client.get("/conversations/", {"period": "month", "escalated": "yes"})
    whatsapp = client.get("/conversations/", {"period": "month", "channel": "whatsapp", "format": "csv"})

    assert {c.external_id for c in everything.context["page"]} == {"c-lille-1", "c-lille-2", "c-roubaix"}
    assert {c.external_id for c in escalated.context["page"]} == {"c-lille-1"}
    rows = csv_rows(whatsapp)
    assert [(row["external_id"], row["captured_contact"]) for row in rows] == [("c-lille-2", "true")]
    assert client.get("/conversations/", {"node": "sud"}).status_code == 404
    assert client.get("/conversations/", {"node": "nice", "format": "csv"}).status_code == 404


def test_a_marketing_manager_of_a_region_drills_within_it(client, region_nord, campaigns):
    manager = person("marketing.nord@acme.example", Role.MARKETING_MANAGER, region_nord)
    log_in(client, manager)

    assert client.get("/campaigns/", {"node": "nord"}).status_code == 200
    assert client.get(f"/campaigns/{campaigns['lille'].pk}/").status_code == 200
    assert client.get(f"/campaigns/{campaigns['nice'].pk}/").status_code == 404


@pytest.mark.parametrize(
    ("path", "params", "bound"),
    [
        ("/campaigns/", {"node": "acme"}, 12),
        ("/campaign/", {"node": "acme"}, 14),
        ("/leads/", {"node": "acme"}, 12),
        ("/conversations/", {"node": "acme"}, 10),
    ],
)
def test_drill_pages_cost_a_bounded_number_of_queries(client, franchisor, campaigns, leads, conversations,
                                                      django_assert_max_num_queries, path, params, bound):  # fmt: skip
    if path == "/campaign/":
        path = f"/campaigns/{campaigns['shared'].pk}/"
    log_in(client, franchisor)

    with django_assert_max_num_queries(bound):
        response = client.get(path, {**params, "period": "month"})

    assert response.status_code == 200
