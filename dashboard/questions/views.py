""""Question this KPI" pages: ask from a tile or a KPI page, the thread (replies, the Observation / Analysis /
Recommendation answer, status), "questions for me", "my questions", notifications, annotations.

Thin: every read goes through dashboard.selectors (through the one door: a thread on a node you cannot see is a
404, whatever its id), every write through dashboard.services (a read-only person's change is a 403).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kpis.catalog import CATALOG
from kpis.validators import validate_day_in_bounds

from ..access import board_request, form_errors_from
from ..models import ThreadStatus
from .selectors import (
    mention_candidates,
    notifications_for,
    questions_by,
    questions_for,
    thread_addressee,
    thread_can_set_status,
    thread_messages,
    thread_visible,
)
from .services import (
    annotation_add,
    notifications_mark_read,
    thread_answer,
    thread_open,
    thread_reply,
    thread_status_set,
)

BODY_HELP = gettext_lazy("**bold**, *italic*, lines starting with “- ”, @e-mail to mention someone who can see this.")


class AskForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Your question"), widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=BODY_HELP)  # fmt: skip


class ReplyForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Reply"), widget=forms.Textarea(attrs={"rows": 3}), help_text=BODY_HELP)


class AnswerForm(forms.Form):
    observation = forms.CharField(label=gettext_lazy("Observation"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=gettext_lazy("What the figures show."))  # fmt: skip
    analysis = forms.CharField(label=gettext_lazy("Analysis"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=gettext_lazy("Why it happened."))  # fmt: skip
    recommendation = forms.CharField(label=gettext_lazy("Recommendation"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}),
                                     help_text=gettext_lazy("What to do about it."))  # fmt: skip


class AnnotationForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}),
                          validators=[validate_day_in_bounds])
    text = forms.CharField(label=gettext_lazy("Note"), max_length=200)
    every_kpi = forms.BooleanField(label=gettext_lazy("About every KPI of this node"), required=False)


def _kpi_or_404(key):
    if key not in CATALOG:
        raise Http404
    return CATALOG[key]


def _board_or_404(request):
    context = board_request(request)
    if context is None:
        raise Http404
    return context


def _thread_or_404(request, pk):
    thread = thread_visible(user=request.user, pk=pk)
    if thread is None:
        raise Http404
    return thread


@login_required
@require_http_methods(["GET", "POST"])
def question_ask(request):
    """The question form of a tile (KPI, node and period from the query string); ?fragment=1 returns the form
    alone, for a tile's "Question this KPI" control to show in place. POST opens the thread."""
    kpi = _kpi_or_404(request.GET.get("kpi", ""))
    context = _board_or_404(request)
    node, period = context["node"], context["period"]
    form = AskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            thread = thread_open(kpi=kpi.key, node=node, period=period, body=form.cleaned_data["body"],
                                 author=request.user)  # fmt: skip
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Your question is asked."))
            return redirect("dashboard:thread", thread.pk)
    template = "dashboard/questions/_ask_form.html" if request.GET.get("fragment") else "dashboard/questions/ask.html"
    return render(request, template, {
        **context, "kpi": kpi, "form": form, "candidates": mention_candidates(node=node),
        "addressee": thread_addressee(kpi=kpi.key, node=node, period=period, asker=request.user),
    }, status=400 if form.errors else 200)  # fmt: skip


def _thread_page(request, thread, *, reply=None, answer=None, status=200):
    query = {"node": thread.node.slug, "period": thread.period_kind}
    if thread.period_kind == "custom":
        query.update(start=thread.period_start.isoformat(), end=thread.period_end.isoformat())
    return render(request, "dashboard/questions/thread.html", {
        "thread": thread, "kpi": CATALOG[thread.kpi], "messages_list": thread_messages(thread=thread),
        "reply_form": reply or ReplyForm(), "answer_form": answer or AnswerForm(), "query": query,
        "candidates": mention_candidates(node=thread.node), "statuses": ThreadStatus,
        "can_set_status": thread_can_set_status(thread=thread, user=request.user),
    }, status=status)  # fmt: skip


@login_required
@require_GET
def thread_page(request, pk):
    """A thread; opening it marks its notifications read for the viewer."""
    thread = _thread_or_404(request, pk)
    notifications_mark_read(user=request.user, thread=thread)
    return _thread_page(request, thread)


def _thread_post(request, pk, form_class, write, form_name):
    """A reply or an answer: validated by its form, written by its service, shown again with errors (400)."""
    thread = _thread_or_404(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            write(thread=thread, author=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            return redirect("dashboard:thread", thread.pk)
    return _thread_page(request, thread, **{form_name: form}, status=400)


@login_required
@require_POST
def thread_reply_view(request, pk):
    return _thread_post(request, pk, ReplyForm, thread_reply, "reply")


@login_required
@require_POST
def thread_answer_view(request, pk):
    return _thread_post(request, pk, AnswerForm, thread_answer, "answer")


@login_required
@require_POST
def thread_status_view(request, pk):
    thread = _thread_or_404(request, pk)
    status = request.POST.get("status", "")
    if status not in ThreadStatus.values:
        return _thread_page(request, thread, status=400)
    thread_status_set(thread=thread, status=status, acting_user=request.user)
    return redirect("dashboard:thread", thread.pk)


def _thread_list(request, threads, title, empty):
    page = Paginator(threads, 30).get_page(request.GET.get("page"))
    return render(request, "dashboard/questions/list.html", {"page": page, "title": title, "empty": empty})


@login_required
@require_GET
def questions_for_me(request):
    return _thread_list(request, questions_for(user=request.user), _("Questions for me"),
                        _("Nobody has asked you anything yet."))  # fmt: skip


@login_required
@require_GET
def my_questions(request):
    empty = _("You have not asked anything yet: every tile has a “Question this KPI” control.")
    return _thread_list(request, questions_by(user=request.user), _("My questions"), empty)


@login_required
@require_GET
def notifications_page(request):
    page = Paginator(notifications_for(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "dashboard/questions/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    notifications_mark_read(user=request.user)
    return redirect("dashboard:notifications")


@login_required
@require_POST
def annotation_add_view(request):
    """Adds a note from a KPI page (KPI, node and period in the query string) and goes back to it."""
    kpi = _kpi_or_404(request.GET.get("kpi", ""))
    context = _board_or_404(request)
    form = AnnotationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note needs a day and a text."))
    else:
        try:
            annotation_add(kpi="" if form.cleaned_data["every_kpi"] else kpi.key, node=context["node"],
                           day=form.cleaned_data["day"], text=form.cleaned_data["text"], author=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The note is added."))
    return redirect(reverse("dashboard:kpi", args=[kpi.key]) + "?" + urlencode(context["query"]))
