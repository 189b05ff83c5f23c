"""What a wall screen shows: playlists typed by people, checked against the link's own subtree, and reload times; the
display_link command that makes a screen's link."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent, DisplayLink
from accounts.services import DISPLAY_LINK_MAX_DAYS
from dashboard.wall.playlists import (
    display_link_configure,
    display_link_create,
    playlist_clean,
    playlist_parse,
    playlist_text,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # messages checked in English


def test_a_typed_playlist_becomes_slides_and_back():
    text = "objectives:30, kpi.sales_revenue@sud:20,\nranking@nord:15"

    entries = playlist_parse(text)

    assert entries == [
        {"board": "objectives", "node": "", "seconds": 30},
        {"board": "kpi", "kpi": "sales_revenue", "node": "sud", "seconds": 20},
        {"board": "ranking", "node": "nord", "seconds": 15},
    ]
    assert playlist_parse(playlist_text(entries)) == entries
    assert playlist_parse("  ") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("objectives", "Slide 1 (objectives): give its duration in seconds"),
        ("objectives:30, ranking:soon", "Slide 2 (ranking:soon)"),
        ("charts:30", "unknown board 'charts'"),
        ("kpi:30", "a KPI slide names a KPI of the catalog"),
        ("kpi.happiness:30", "a KPI slide names a KPI of the catalog"),
        ("objectives.roi:30", "only a kpi slide names a KPI"),
        ("objectives@sud:30", "sud is not nord or a node below it"),
        ("objectives@atlantis:30", "atlantis is not nord or a node below it"),
        ("objectives:2", "a slide stays 5 to 3600 seconds on screen"),
    ],
)
def test_a_bad_slide_is_refused_with_its_number_and_reason(region_nord, tree, text, message):
    with pytest.raises(ValidationError) as error:
        playlist_clean(entries=playlist_parse(text), node=region_nord)

    assert message in " ".join(error.value.messages)


def test_a_link_keeps_its_playlist_and_reload_time_and_changes_are_audited(region_nord, tree, franchisor):
    link, _token = display_link_create(node=region_nord, playlist=playlist_parse("ranking:20, objectives@lille:10"),
                                       refresh_seconds=60)  # fmt: skip

    display_link_configure(link=link, playlist=playlist_parse("kpi.cpl:40"), refresh_seconds=None,
                           acting_user=franchisor)  # fmt: skip

    link.refresh_from_db()
    assert link.playlist == [{"board": "kpi", "kpi": "cpl", "node": "", "seconds": 40}]
    assert link.refresh_seconds is None
    event = AuditEvent.objects.get(action=AuditAction.DISPLAY_LINK_CHANGED)
    assert event.actor == franchisor and "kpi.cpl:40" in event.summary


@pytest.mark.parametrize("seconds", [5, 10**6])
def test_a_reload_time_out_of_bounds_is_refused_and_nothing_is_created(region_nord, tree, seconds):
    with pytest.raises(ValidationError):
        display_link_create(node=region_nord, refresh_seconds=seconds)

    assert not DisplayLink.objects.exists()


def test_display_link_command_prints_a_wall_path_that_opens_without_login(client, region_nord, tree, capsys):
    call_command("display_link", "nord", "--days", "7")
    path = capsys.readouterr().out.strip()

    assert path.startswith("/wall/") and path.endswith("/")
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Nord</h1>" in page and 'http-equiv="refresh"' in page
    assert DisplayLink.objects.get().expires_at > timezone.now() + timedelta(days=6)


def test_display_link_command_exits_2_for_an_unknown_node(tree):
    with pytest.raises(CommandError) as error:
        call_command("display_link", "atlantis")

    assert error.value.returncode == 2


@pytest.mark.parametrize("days", ["0", "-3", str(DISPLAY_LINK_MAX_DAYS + 1), "99999999"])
def test_display_link_command_refuses_a_lifetime_out_of_range_with_exit_2(tree, days):
    with pytest.raises(CommandError) as error:
        call_command("display_link", "nord", "--days", days)

    assert error.value.returncode == 2 and str(DISPLAY_LINK_MAX_DAYS) in str(error.value)
    assert not DisplayLink.objects.exists()


def test_the_display_link_command_takes_a_playlist_and_a_reload_time(region_nord, tree, capsys):
    call_command("display_link", "nord", "--playlist", "objectives:30,ranking:20", "--refresh", "120")

    link = DisplayLink.objects.get()
    assert [e["board"] for e in link.playlist] == ["objectives", "ranking"] and link.refresh_seconds == 120
    assert capsys.readouterr().out.startswith("/wall/")


def test_the_display_link_command_exits_2_for_a_bad_playlist_and_creates_nothing(region_nord, tree):
    with pytest.raises(CommandError) as error:
        call_command("display_link", "nord", "--playlist", "objectives@nice:30")

    assert error.value.returncode == 2 and "nice is not nord" in str(error.value)
    assert not DisplayLink.objects.exists()
