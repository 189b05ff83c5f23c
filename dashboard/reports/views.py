"""The Reports page: a network's administrators create scheduled e-mail reports, pause and resume them, preview
one as any of its recipients would receive it (HTML and PDF) and send it now to themselves. Others may not see the
page (404); a read-only person's attempt to change it is refused (403). And the unsubscribe link of every report
e-mail, which needs no login: its signed token is the key.

Thin: reads in .selectors and .content, writes in .services.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Node, in_subtree
from accounts.queueing import task_queue
from kpis.validators import validate_day_in_bounds

from ..access import form_errors_from, managed_network
from ..constants import DEFAULT_SEND_TIME, ReportCadence
from ..models import Report
from .content import report_send_content
from .pdf import report_pdf
from .render import report_html, report_images
from .selectors import (
    network_reports,
    recipient_from_token,
    report_deliveries,
    report_next_send,
    report_people,
    report_recipients,
    report_sample_send,
)
from .services import report_create, report_pause_set, report_subscription_set


class ReportForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    node = forms.ModelChoiceField(label=gettext_lazy("Node"), queryset=Node.objects.none(), to_field_name="slug")
    cadence = forms.ChoiceField(label=gettext_lazy("Cadence"), choices=ReportCadence.choices)
    start_date = forms.DateField(label=gettext_lazy("Start date"), widget=forms.DateInput(attrs={"type": "date"}),
                                 validators=[validate_day_in_bounds],
                                 help_text=gettext_lazy("A new project's start; for the other cadences, the first "
                                                        "report covers the period that holds it."))  # fmt: skip
    send_time = forms.TimeField(label=gettext_lazy("Sent at (local time)"), initial=DEFAULT_SEND_TIME,
                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))  # fmt: skip
    recipients = forms.ModelMultipleChoiceField(label=gettext_lazy("Recipients"), queryset=Node.objects.none(),
                                                widget=forms.CheckboxSelectMultiple)  # fmt: skip

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = Node.objects.subtree(network).order_by("path")
        self.fields["recipients"].queryset = report_people(network=network).order_by("email")
        self.fields["recipients"].label_from_instance = lambda user: user.email


def _network_today(network):
    return timezone.localdate(timezone=network.zone)


def _report(request, pk):
    network = managed_network(request)
    return network, get_object_or_404(Report.objects.select_related("node"), in_subtree(network), pk=pk)


def _list(request, network, form, status=200):
    today = _network_today(network)
    rows = [(report, report_next_send(report=report, today=today)) for report in network_reports(network=network)]
    return render(request, "dashboard/reports/list.html", {"network": network, "rows": rows, "form": form},
                  status=status)  # fmt: skip


@login_required
@require_GET
def reports_page(request):
    network = managed_network(request)
    return _list(request, network, ReportForm(network=network))


@login_required
@require_POST
def report_create_view(request):
    network = managed_network(request)
    form = ReportForm(request.POST, network=network)
    if form.is_valid():
        try:
            report = report_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("The report %(name)s is scheduled.") % {"name": report.name})
            return redirect("dashboard:report", pk=report.pk)
    return _list(request, network, form, status=400)


@login_required
@require_GET
def report_page(request, pk):
    network, report = _report(request, pk)
    today = _network_today(network)
    return render(request, "dashboard/reports/detail.html", {
        "network": network, "report": report, "recipients": report_recipients(report=report),
        "deliveries": report_deliveries(report=report), "next_send": report_next_send(report=report, today=today),
        "sample": report_sample_send(report=report, today=today),
    })  # fmt: skip


@login_required
@require_POST
def report_pause_view(request, pk):
    _network, report = _report(request, pk)
    paused = request.POST.get("paused") == "1"
    report_pause_set(report=report, paused=paused, acting_user=request.user)
    messages.success(request, _("The report is paused.") if paused else _("The report is running again."))
    return redirect("dashboard:report", pk=report.pk)


@login_required
@require_GET
def report_preview(request, pk):
    """The report as one of its recipients would receive it now (?recipient=<person's id>, the first by default):
    the e-mail's HTML in the browser, or with ?format=pdf its PDF. Someone who would get nothing is told why."""
    network, report = _report(request, pk)
    recipients = report_recipients(report=report)
    wanted = request.GET.get("recipient", "")
    recipient = recipients.filter(user_id=wanted).first() if wanted.isdigit() else recipients.first()
    if recipient is None:
        raise Http404
    user, today = recipient.user, _network_today(network)
    send = report_sample_send(report=report, today=today)
    with override(user.language):
        content = report_send_content(report=report, user=user, period=send.period, today=today)
        images = report_images(content)
        if request.GET.get("format") == "pdf":
            response = HttpResponse(report_pdf(content, images), content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="report-{report.pk}-{user.pk}.pdf"'
            return response
        banner = {"person": user.email, "day": send.day,
                  "pdf": reverse("dashboard:report-preview", args=[report.pk]) + f"?recipient={user.pk}&format=pdf",
                  "back": reverse("dashboard:report", args=[report.pk])}  # fmt: skip
        return HttpResponse(report_html(content, images, banner=banner, inline=True))


@login_required
@require_POST
def report_send_now(request, pk):
    _network, report = _report(request, pk)
    user_id = request.user.pk
    transaction.on_commit(lambda: task_queue("dashboard.tasks.send_report_now", args=[report.pk, user_id]))
    messages.success(request, _("The report is on its way to %(email)s.") % {"email": request.user.email})
    return redirect("dashboard:report", pk=report.pk)


@csrf_exempt  # no session to protect: the signed token in the address is the key, and mail clients post to it
@require_http_methods(["GET", "POST"])
def report_unsubscribe(request, token):
    """One link in every report e-mail, no login. Opening it only asks (mail scanners open every link of a message,
    and must not unsubscribe anyone); the page's button posts the choice, and can subscribe again. Mail clients' own
    one-click button posts "List-Unsubscribe=One-Click" to the same address (RFC 8058). Posting the same choice
    twice has the same effect as once. A forged or altered token is a 404."""
    recipient = recipient_from_token(token)
    if recipient is None:
        raise Http404
    one_click = request.method == "POST" and "List-Unsubscribe" in request.POST
    action = "unsubscribe" if one_click else request.POST.get("action") if request.method == "POST" else None
    if action in ("subscribe", "unsubscribe"):
        recipient = report_subscription_set(recipient=recipient, subscribed=action == "subscribe")
    if one_click:
        return HttpResponse(status=204)
    with override(recipient.user.language):
        return render(request, "dashboard/reports/unsubscribe.html",
                      {"recipient": recipient, "token": token, "asking": action is None})  # fmt: skip
