"""A report's content (dashboard.reports.content) as people receive it: an HTML e-mail (tables and inline CSS,
which common mail clients show) with its charts as PNG images embedded inline (cid:), a plain-text alternative, and
the PDF attached; or, for the preview, the same HTML with the images inline as data: URIs. Call these with the
reader's language active: every word, date and number is formatted in it.
"""

import base64
from email.mime.image import MIMEImage

from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from ..formatting import change_words, comparison_words, pace_label, pace_symbol
from . import charts as report_charts
from .pdf import report_pdf


def report_images(content):
    """[{"objectives": PNG bytes, "movers": PNG bytes}] for each section: its objectives' progress (when it has
    objectives) and its movers (when something moved)."""
    images = []
    for section in content.sections:
        charts = {}
        objectives = [line for line in section.headlines if line.objective is not None]
        if objectives:
            charts["objectives"] = report_charts.objectives_chart(
                [str(line.kpi.name) for line in objectives], [line.objective.progress for line in objectives],
                [f"{pace_symbol(line.objective.pace)} {pace_label(line.objective.pace)}" for line in objectives],
                target_label=_("target"),
            )  # fmt: skip
        movers = section.movers
        if movers:
            charts["movers"] = report_charts.movers_chart(
                [str(line.kpi.name) for line in movers],
                [line.report.relative_change(line.report.previous) for line in movers],
                [line.change["verdict"] for line in movers], [change_words(line.change) for line in movers],
            )
        images.append(charts)
    return images


def _context(content, sources, unsubscribe_url, banner=None):
    return {"content": content, "sections": list(zip(content.sections, sources, strict=True)),
            "comparison": comparison_words(content.range), "unsubscribe_url": unsubscribe_url, "banner": banner,
            "currency": content.currency}  # fmt: skip


def cid(kind, index):
    """The Content-ID of a section's chart in the e-mail."""
    return f"{kind}-{index}"


def report_html(content, images, *, unsubscribe_url="", banner=None, inline=False):
    """The e-mail's HTML. Images are referred to by cid: (in the e-mail) or carried as data: URIs (`inline`, for a
    browser)."""

    def source(kind, index, png):
        return f"data:image/png;base64,{base64.b64encode(png).decode()}" if inline else f"cid:{cid(kind, index)}"

    sources = [{kind: source(kind, index, png) for kind, png in charts.items()} for index, charts in
               enumerate(images)]  # fmt: skip
    return render_to_string("dashboard/reports/email.html", _context(content, sources, unsubscribe_url, banner))


def report_text(content, *, unsubscribe_url=""):
    sources = [{} for _section in content.sections]
    return render_to_string("dashboard/reports/email.txt", _context(content, sources, unsubscribe_url))


class ReportEmail(EmailMultiAlternatives):
    """An e-mail whose HTML shows images attached inline: text and HTML alternatives wrapped, with the images, in a
    multipart/related part, then the attachments (the PDF) around them in multipart/mixed, the structure mail
    clients expect. Django builds the rest of the message."""

    def __init__(self, *args, related=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.related = list(related)

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        if not self.related:
            return msg
        related = SafeMIMEMultipart(_subtype="related", encoding=self.encoding)
        related.attach(msg)
        for part in self.related:
            related.attach(part)
        return related


def inline_image(name, png):
    image = MIMEImage(png, "png")
    image.add_header("Content-ID", f"<{name}>")
    image.add_header("Content-Disposition", "inline", filename=f"{name}.png")
    return image


def report_email(content, *, to, subject, unsubscribe_url, pdf_name, one_click_url):
    """The whole message: text, HTML with its charts, the PDF; List-Unsubscribe headers let mail clients offer
    their own one-click unsubscribe (RFC 8058), which posts to `one_click_url`."""
    images = report_images(content)
    headers = {}
    if one_click_url:
        headers = {"List-Unsubscribe": f"<{one_click_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    message = ReportEmail(
        subject, report_text(content, unsubscribe_url=unsubscribe_url), None, [to],
        related=[inline_image(cid(kind, index), png) for index, charts in enumerate(images)
                 for kind, png in charts.items()],
        headers=headers,
    )  # fmt: skip
    message.attach_alternative(report_html(content, images, unsubscribe_url=unsubscribe_url), "text/html")
    message.attach(pdf_name, report_pdf(content, images), "application/pdf")
    return message
