"""Who sees a question: exactly the people who can see its node. Every role x (own node, sibling franchisee, other
region, other network) x (thread page, reply, lists, tile badges, notifications, API); 404 where not visible."""

import pytest

from accounts.constants import NodeKind, Role
from accounts.models import Node
from accounts.services import node_upsert
from dashboard.models import Message, Notification, NotificationVerb, Thread
from dashboard.questions.selectors import open_thread_counts, unread_notifications_count, wall_questions
from dashboard.wall.playlists import display_link_create
from tests.dashboard.questions.conftest import MARCH
from tests.helpers import log_in, person, token_auth

pytestmark = pytest.mark.django_db

PLACES = {"own": "lille", "sibling": "roubaix", "other_region": "nice", "other_network": "rival-shop"}
# What each role sees among PLACES, granted on the node in the middle column.
ROLES = [
    (Role.FRANCHISOR_ADMIN, "acme", {"own", "sibling", "other_region"}),
    (Role.EXECUTIVE, "acme", {"own", "sibling", "other_region"}),
    (Role.MARKETING_MANAGER, "nord", {"own", "sibling"}),
    (Role.REGION_MANAGER, "nord", {"own", "sibling"}),
    (Role.FRANCHISEE, "lille", {"own"}),
]


@pytest.fixture
def world(tree):
    rival_region = node_upsert(slug="rival-region", name="Rival region", kind=NodeKind.REGION,
                               parent=node_upsert(slug="rival", name="Rivalnet", kind=NodeKind.NETWORK))  # fmt: skip
    node_upsert(slug="rival-shop", name="Rival shop", kind=NodeKind.FRANCHISEE, parent=rival_region)


def worst_case_threads(viewer):
    """A thread on each place, asked by and addressed to `viewer` and notified to them, as if they had lost access
    to some since: only the door may keep the others from them."""
    threads = {}
    for place, slug in PLACES.items():
        thread = Thread.objects.create(kpi="leads", node=Node.objects.get(slug=slug), period_kind=MARCH.kind,
                                       period_start=MARCH.start, period_end=MARCH.end, author=viewer,
                                       addressee=viewer)  # fmt: skip
        message = Message.objects.create(thread=thread, author=viewer, body=f"SECRET-{slug}")
        Notification.objects.create(recipient=viewer, thread=thread, message=message, verb=NotificationVerb.ASKED)
        threads[place] = thread
    return threads


@pytest.mark.parametrize(("role", "home", "sees"), ROLES, ids=[r[0] for r in ROLES])
def test_a_question_is_seen_by_exactly_those_who_see_its_node(client, world, role, home, sees):
    viewer = person(f"{role}@acme.example", role, Node.objects.get(slug=home))
    threads = worst_case_threads(viewer)
    log_in(client, viewer)
    auth = token_auth(viewer)

    lists = "".join(client.get(url).content.decode() for url in ("/questions/for-me/", "/questions/mine/",
                                                                 "/notifications/"))  # fmt: skip
    api_list = client.get("/api/v1/questions/", **auth).json()["results"]
    assert unread_notifications_count(user=viewer) == len(sees)  # opening a thread below marks it read
    for place, thread in threads.items():
        visible, slug = place in sees, PLACES[place]
        page = client.get(f"/questions/{thread.pk}/")
        assert page.status_code == (200 if visible else 404), (role, place)
        assert (f"SECRET-{slug}" in page.content.decode()) is visible
        reply = client.post(f"/questions/{thread.pk}/reply/", {"body": "me too"})
        assert reply.status_code == (302 if visible else 404), (role, place)
        assert (thread.node.name in lists) is visible, (role, place)
        assert open_thread_counts(user=viewer, node=thread.node, period=MARCH) == ({"leads": 1} if visible else {})
        assert client.post(f"/questions/{thread.pk}/status/", {"status": "resolved"}).status_code == (
            302 if visible else 404
        )
        assert client.get("/", {"node": slug}).status_code == (200 if visible else 404)
        assert client.get(f"/api/v1/questions/{thread.pk}/", **auth).status_code == (200 if visible else 404)
        assert client.post(f"/api/v1/questions/{thread.pk}/reply/", {"body": "x"}, **auth).status_code == (
            201 if visible else 404
        )
        assert (slug in {row["node"] for row in api_list}) is visible
        assert client.get("/questions/ask/", {"kpi": "leads", "node": slug}).status_code == (200 if visible else 404)
    assert Message.objects.filter(thread__node__slug__in=[PLACES[p] for p in set(PLACES) - sees]).count() == (
        len(PLACES) - len(sees)
    )  # nothing was written where the viewer could not see


def test_a_guessed_thread_id_is_404_like_a_missing_one(client, world, franchisee_user_lille):
    threads = worst_case_threads(franchisee_user_lille)
    log_in(client, franchisee_user_lille)

    hidden = client.get(f"/questions/{threads['other_region'].pk}/")
    missing = client.get("/questions/999999/")

    assert hidden.status_code == missing.status_code == 404


def test_a_wall_sees_a_count_of_its_subtree_and_never_a_questions_text(client, world, region_nord, network):
    viewer = person("boss@acme.example", Role.FRANCHISOR_ADMIN, network)
    worst_case_threads(viewer)
    link, token = display_link_create(node=region_nord, days=1)

    page = client.get(f"/wall/{token}/").content.decode()

    assert wall_questions(link=link).open_count == 2  # Lille and Roubaix, not Nice nor the rival
    assert "2 questions ouvertes" in page or "2 open questions" in page
    assert "SECRET" not in page


def test_mentioning_someone_who_cannot_see_the_node_tells_them_nothing(client, franchisee_lille,
                                                                       franchisee_user_lille, region_manager_nord,
                                                                       django_capture_on_commit_callbacks):  # fmt: skip
    outsider = person("nice@acme.example", Role.FRANCHISEE, Node.objects.get(slug="nice"))
    log_in(client, franchisee_user_lille)

    with django_capture_on_commit_callbacks(execute=False):
        client.post("/questions/ask/?kpi=leads&node=lille",
                    {"body": "Ask @nice@acme.example and @nord@acme.example"})  # fmt: skip

    thread = Thread.objects.get()
    assert list(thread.messages.get().mentions.all()) == [region_manager_nord]
    assert not Notification.objects.filter(recipient=outsider).exists()
    log_in(client, outsider)
    assert client.get(f"/questions/{thread.pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, world, franchisor):
    thread = worst_case_threads(franchisor)["own"]

    for url in (f"/questions/{thread.pk}/", "/questions/for-me/", "/notifications/"):
        assert client.get(url).status_code == 302
    assert client.get(f"/api/v1/questions/{thread.pk}/").status_code in (401, 403)
