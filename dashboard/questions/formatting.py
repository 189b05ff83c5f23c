"""Message text on screen: everything escaped first, then a small safe subset of formatting put back.

Kept: line breaks, **bold**, *italic*, bullet lines ("- " or "* "), @mentions of people recorded on the message
(who can see the node), and links to this site's own pages (addresses under settings.SITE_URL, as relative links
whose path cannot lead off-site: see site_path). Nothing else: no HTML of the author's, no attributes, no links
elsewhere (shown as text), no `javascript:`.

The patterns run on text that is already escaped, where `<`, `>`, `"` and `'` no longer exist, so nothing they
capture can open a tag or leave an attribute.
"""

import re
from html import unescape
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import mark_safe

# "@" then an e-mail address, not preceded by a word character (so "a@b.c" inside a word is no mention).
MENTION = re.compile(r"(?<![\w.@])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+)", re.UNICODE)
BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
# On escaped text: up to whitespace; "&amp;" and friends stay part of the address.
URL = re.compile(r"https?://[^\s]+")
BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
TRAILING_PUNCTUATION = ".,;:!?)"


def mentioned_emails(text):
    """The e-mail addresses named with @ in `text`, lower-cased, in order, once each."""
    seen = []
    for email in (m.group(1).lower().rstrip(".") for m in MENTION.finditer(text or "")):
        if email not in seen:
            seen.append(email)
    return seen


def site_path(url):
    """The same-origin path a link to `url` may carry (its query and fragment kept), or None when `url` is not an
    address of this site (settings.SITE_URL: same scheme and host, under its path).

    The path is normalised the way a browser reads it before it is used as a relative link: a backslash is a slash
    to a browser, and a path opening with two slashes is an address on another host, so "https://<site>//evil.example/x"
    or "https://<site>/\\evil.example" must become "/evil.example/x", "/evil.example", never "//evil.example...".
    Runs of slashes are collapsed first, so no dot segment a browser resolves can bring two back together.
    """
    try:
        site, parts = urlsplit(settings.SITE_URL), urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host: no address at all
        return None
    if (parts.scheme.lower(), parts.netloc.lower()) != (site.scheme.lower(), site.netloc.lower()):
        return None
    path = re.sub(r"/{2,}", "/", parts.path.replace("\\", "/")) or "/"
    prefix = site.path.rstrip("/")
    if prefix and path != prefix and not path.startswith(prefix + "/"):
        return None
    # Percent-encode what has no business in a path (quotes, angle brackets, spaces); keep what is encoded already.
    path = quote(path, safe="/%:@!$&'()*+,;=-._~")
    return path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def _own_link(match):
    """An address in escaped text: a relative link when it is one of this site's, else left as text."""
    url = match.group(0)
    trail = ""
    while url and url[-1] in TRAILING_PUNCTUATION:
        url, trail = url[:-1], url[-1] + trail
    path = site_path(unescape(url))
    if path is None:
        return match.group(0)
    return f'<a href="{escape(path)}">{url}</a>{trail}'


def _inline(line, names):
    """Formatting of one escaped line; addresses are set apart first, so no pattern ever reaches inside one."""

    def mention(match):
        name = names.get(match.group(1).lower().rstrip("."))
        if name is None:
            return match.group(0)
        return f'<span class="mention">@{escape(name)}</span>'

    def text(part):
        part = MENTION.sub(mention, part)
        part = BOLD.sub(r"<strong>\1</strong>", part)
        return ITALIC.sub(r"<em>\1</em>", part)

    out, position = [], 0
    for match in URL.finditer(line):
        out.append(text(line[position : match.start()]))
        out.append(_own_link(match))
        position = match.end()
    out.append(text(line[position:]))
    return "".join(out)


def message_html(text, *, mentions=()):
    """`text` as safe HTML. `mentions` are the people recorded as mentioned (only they become a mention)."""
    names = {user.email.lower(): user.get_full_name() or user.email for user in mentions}
    out, bullets = [], []

    def flush():
        if bullets:
            out.append("<ul>" + "".join(f"<li>{item}</li>" for item in bullets) + "</ul>")
            bullets.clear()

    lines = escape(text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    paragraph = []
    for line in lines:
        bullet = BULLET.match(line)
        if bullet:
            if paragraph:
                out.append("<p>" + "<br>".join(paragraph) + "</p>")
                paragraph = []
            bullets.append(_inline(bullet.group(1), names))
            continue
        flush()
        if line.strip():
            paragraph.append(_inline(line, names))
        elif paragraph:
            out.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph = []
    flush()
    if paragraph:
        out.append("<p>" + "<br>".join(paragraph) + "</p>")
    return mark_safe("".join(out))  # noqa: S308 - built from escaped text and our own tags only
