"""The Data sources page: a network's administrators see its sources, their schedule and last runs, change when
they sync and whether they do, sync one now, and read a source's run history with the reasons of rejected rows.
Others may not see the page (404); a read-only person's attempt to change it is refused (403)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import in_subtree
from ingestion.constants import SyncTrigger
from ingestion.models import DataSource
from ingestion.selectors import network_sources, source_runs
from ingestion.services import source_schedule_set, sync_queue

from ..access import managed_network


class ScheduleForm(forms.Form):
    schedule_time = forms.TimeField(label=gettext_lazy("Nightly sync at (local time)"),
                                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))  # fmt: skip
    enabled = forms.BooleanField(label=gettext_lazy("Enabled"), required=False)


def _source(request, pk):
    network = managed_network(request)
    return get_object_or_404(DataSource.objects.select_related("node"), in_subtree(network), pk=pk)


@login_required
@require_GET
def sources(request):
    network = managed_network(request)
    rows = [(source, ScheduleForm(initial={"schedule_time": source.schedule_time, "enabled": source.enabled},
                                  auto_id=f"id_%s_{source.pk}"))
            for source in network_sources(network=network)]  # fmt: skip
    return render(request, "dashboard/sources.html", {"network": network, "rows": rows})


@login_required
@require_GET
def source_detail(request, pk):
    source = _source(request, pk)
    return render(request, "dashboard/source.html", {"source": source, "runs": source_runs(source=source)})


@login_required
@require_POST
def source_sync(request, pk):
    source = _source(request, pk)
    run, created = sync_queue(source=source, trigger=SyncTrigger.MANUAL)
    if created:
        messages.success(request, _("A sync of %(source)s is queued.") % {"source": source})
    else:
        messages.info(request, _("%(source)s is already being synced.") % {"source": source})
    return redirect("dashboard:source", pk=source.pk)


@login_required
@require_POST
def source_schedule(request, pk):
    source = _source(request, pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a time of day, such as 01:00."))
        return redirect("dashboard:sources")
    source_schedule_set(source=source, time_of_day=form.cleaned_data["schedule_time"],
                        enabled=form.cleaned_data["enabled"])  # fmt: skip
    messages.success(request, _("Schedule of %(source)s saved.") % {"source": source})
    return redirect("dashboard:sources")
