"""The demo's board as an executive first sees it on the 2nd of a month and on the 20th, in the browser: a board
they would trust, not a wall of red. The screenshots are the README's."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dashboard.demo import demo_build
from tests.helpers import demo_log_in_page

pytestmark = pytest.mark.django_db(transaction=True)
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(("day", "shown", "compared", "name"), [
    # The 2nd: the board opens on last month, whole, against the whole month before.
    (date(2026, 12, 2), "Novembre 2026", "1 – 30 novembre 2026, comparé au 1 – 31 octobre 2026", "board-2nd-of-month"),
    # The 20th: the month to date, against the same 20 days of last month and of last year.
    (date(2026, 11, 20), "Novembre 2026", "1 – 20 novembre 2026 (à date), comparé au 1 – 20 octobre 2026",
     "board-20th-of-month"),
])  # fmt: skip
def test_the_board_on_the_2nd_and_the_20th_of_a_month(celery_inline, monkeypatch, live_server, page, screenshot,
                                                      day, shown, compared, name):  # fmt: skip
    demo_build(seed=42, now=datetime.combine(day, time(10, 0), tzinfo=PARIS), months=18)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    demo_log_in_page(page, live_server, "direction")
    page.wait_for_selector(".sparkline[data-drawn]")

    heading = page.locator("p.compared").inner_text().replace("\xa0", " ")
    assert heading.startswith(shown) and compared in heading, heading
    # Values whose leads are still converting say so, and are coloured neither better nor worse.
    immature = page.locator(".tile:has(.immature)")
    assert immature.count() >= 1
    assert immature.locator(".change-good, .change-bad").count() == 0
    screenshot(name)
