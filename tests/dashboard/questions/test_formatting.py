"""Message text is escaped; only line breaks, bold, italic, bullets, recorded mentions and this site's links are
rendered. Whatever an author types, no tag, attribute or script of theirs reaches the page."""

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest

from accounts.models import User
from dashboard.questions.formatting import mentioned_emails, message_html

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<a href=\"javascript:alert(1)\">click</a>",
    "[click](javascript:alert(1))",
    "javascript:alert(1)",
    '**<b onmouseover="alert(1)">x</b>**',
    "*<svg/onload=alert(1)>*",
    '- <iframe src="https://evil.example"></iframe>',
    "http://127.0.0.1:8000/\"onmouseover=\"alert(1)",
    'http://127.0.0.1:8000/kpi/"><script>alert(1)</script>',
    "@\"><script>alert(1)</script>@x.com",
    "&lt;script&gt; double-escaped",
]
OUR_TAGS = {"p", "br", "strong", "em", "ul", "li", "a", "span"}


def tags_and_attributes(html):
    return [(name.lower(), attrs.strip()) for name, attrs in re.findall(r"<\s*/?\s*([a-zA-Z0-9]+)([^>]*)>", html)]


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_tag_or_attribute_of_the_author_gets_through(attack, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    html = message_html(attack)

    for name, attrs in tags_and_attributes(html):
        assert name in OUR_TAGS, html
        assert attrs in ("", 'class="mention"') or re.fullmatch(r'href="/[^"<>]*"', attrs), html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html


def test_limited_formatting_is_rendered():
    html = message_html("Sales **fell** by *ten* per cent.\nSecond line\n\n- one\n* two")

    assert html == ("<p>Sales <strong>fell</strong> by <em>ten</em> per cent.<br>Second line</p>"
                    "<ul><li>one</li><li>two</li></ul>")  # fmt: skip


def test_only_links_to_this_site_are_links(settings):
    settings.SITE_URL = "https://kpi.example.com"

    html = message_html("See https://kpi.example.com/kpi/leads/?node=sud&period=month, not https://evil.example/x.")

    assert '<a href="/kpi/leads/?node=sud&amp;period=month">' in html
    assert "https://evil.example/x." in html and 'href="https://evil' not in html
    assert message_html("https://kpi.example.com.evil.example/") == "<p>https://kpi.example.com.evil.example/</p>"
    assert message_html("https://kpi.example.com@evil.example/") == "<p>https://kpi.example.com@evil.example/</p>"


def host_a_browser_opens(href, page):
    """The host a browser opens for `href` on `page`, as WHATWG URL parsing reads http(s) links: a backslash is a
    slash, and a reference opening with two slashes or more names a host (the run of slashes is skipped)."""
    href = href.replace("\\", "/")
    if href.startswith("//"):
        return urlsplit("https://" + href.lstrip("/")).hostname
    return urlsplit(urljoin(page, href)).hostname


@pytest.mark.parametrize("path", ["//evil.example/x", "/\\evil.example", "/\\\\evil.example", "/\\/evil.example",
                                  "///evil.example/x", "//evil.example/kpi/leads/?node=sud"])
def test_a_link_to_this_site_never_leads_to_another(settings, path):
    """An address of this site whose path a browser would read as another host's ("https://<site>//evil.example/x")
    stays a link, relative and normalised, that opens this site."""
    settings.SITE_URL = "https://kpi.example.com"

    html = message_html(f"See https://kpi.example.com{path} please")

    hrefs = [unescape(href) for href in re.findall(r'href="([^"]*)"', html)]
    assert len(hrefs) == 1, html
    assert hrefs[0].startswith("/") and "\\" not in hrefs[0], hrefs
    assert host_a_browser_opens(hrefs[0], "https://kpi.example.com/questions/1/") == "kpi.example.com", hrefs


def test_only_recorded_mentions_become_mentions():
    known = User(email="david@acme.example", first_name="David", last_name="Roux")

    html = message_html("@david@acme.example and @eve@elsewhere.example, look", mentions=[known])

    assert '<span class="mention">@David Roux</span>' in html
    assert "@eve@elsewhere.example" in html and html.count("mention") == 1


def test_a_mentioned_name_is_escaped_too():
    sneaky = User(email="x@acme.example", first_name="<script>alert(1)</script>")

    assert "<script>" not in message_html("@x@acme.example", mentions=[sneaky])


def test_mentions_are_read_from_the_text_once_each():
    assert mentioned_emails("@A@b.example, @c@d.example. and @a@b.example; mail me at e@f.example") == [
        "a@b.example", "c@d.example"
    ]
