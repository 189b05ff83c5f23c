"""What a page is asked for: the node (one the person may open, or 404) and the period, read the same way on every
page of the board, its drill-down, the budget page and the questions pages."""

from datetime import date

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import top_nodes, visible_nodes
from accounts.selectors import managed_networks, node_network
from kpis.boards import default_period
from kpis.periods import (
    PeriodKind,
    calendar_period,
    custom_period,
    day_outside_bounds,
    period_containing,
    range_reversed,
    series,
)

SERIES_LENGTH = {PeriodKind.DAY: 14, PeriodKind.WEEK: 12, PeriodKind.MONTH: 13, PeriodKind.QUARTER: 8,
                 PeriodKind.FISCAL_YEAR: 3, PeriodKind.CUSTOM: 13}  # fmt: skip
PICKER = [PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.FISCAL_YEAR]
PICKER_MONTHS = 24  # the months the picker lists, this one first


class QueryError(BadRequest):
    """A query string the board cannot answer (a date that is not one, or out of bounds, a range ending before it
    starts): 400, and the page says which parameter and why (dashboard.errors.bad_request)."""


def _query_day(request, name):
    text = request.GET.get(name, "")
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise QueryError(_("%(name)s: %(value)s is not a date (YYYY-MM-DD)") % {"name": name, "value": text[:40]}) \
            from None
    reason = day_outside_bounds(day)
    if reason:
        raise QueryError(f"{name}: {reason}")
    return day


def board_request(request, *, default_node=None, default_range=None):
    """The node and period a page is asked for, as a template context: `node` (a visible one; Http404 when the
    query names one the person may not open), `network`, `today` (the network's local day), `period` (a custom range
    whose dates make a calendar period is that period), `series_periods` (the sparklines' periods), the picker's
    `period_kind`, `picker_previous` (last week, month, quarter, fiscal year) and `picker_months`, the `query` that
    links keep (the same range on the next page), and the `breadcrumbs`.

    The period: `?period=<kind>` is the period of that kind holding today, or holding `?at=YYYY-MM-DD`;
    `?period=custom&start=&end=` a range; by default the board's default (kpis.boards.default_period), or the custom
    `default_range` (start, end) when given. The node by default is `default_node` when given and visible, else the
    person's top node. None when the person sees no node at all. A date that is not one or is out of bounds, or an
    end before its start, is a QueryError (400, naming the parameter).
    """
    slug = request.GET.get("node") or (default_node.slug if default_node is not None else None)
    node = visible_nodes(request.user).filter(slug=slug).first() if slug else None
    if node is None and slug and "node" in request.GET:
        raise Http404
    node = node or top_nodes(request.user).first()
    if node is None:
        return None
    network = node_network(node=node)
    fiscal_month = network.fiscal_year_start_month
    today = timezone.localdate(timezone=network.zone)
    kind = request.GET.get("period", "")
    start, end, at = (_query_day(request, name) for name in ("start", "end", "at"))
    if start and end and (reason := range_reversed(start, end)):
        raise QueryError(reason)
    if kind not in PeriodKind.values or (kind == PeriodKind.CUSTOM and not (start and end)):
        kind = ""
    if not kind and default_range is not None:
        kind, (start, end) = PeriodKind.CUSTOM, default_range
    if kind == PeriodKind.CUSTOM:
        period = calendar_period(custom_period(start, end), fiscal_year_start_month=fiscal_month)
    elif kind:
        period = period_containing(kind, at or today, fiscal_year_start_month=fiscal_month)
    else:
        period = default_period(today=today, fiscal_year_start_month=fiscal_month)
    query = {"node": node.slug, **period_query(period, today=today)}
    series_kind = PeriodKind.MONTH if period.kind == PeriodKind.CUSTOM else period.kind
    series_periods = series(series_kind, min(period.end, today), SERIES_LENGTH[period.kind],
                            fiscal_year_start_month=fiscal_month)  # fmt: skip
    return {"node": node, "network": network, "today": today, "period": period, "series_periods": series_periods,
            "period_kind": query["period"], "picker": PICKER, "query": query,
            "default_chosen": not kind and default_range is None and not period.contains(today),
            "picker_previous": [period_containing(k, today, fiscal_year_start_month=fiscal_month).previous()
                                for k in PICKER],
            "picker_months": series(PeriodKind.MONTH, today, PICKER_MONTHS)[::-1],
            "breadcrumbs": list(visible_nodes(request.user).ancestors_of(node))}  # fmt: skip


def period_query(period, *, today):
    """The query string that asks for `period` again: its kind, and the day it holds when that is not today (a past
    month: period=month&at=2026-11-01), or its dates for a custom range."""
    if period.kind == PeriodKind.CUSTOM:
        return {"period": period.kind.value, "start": period.start.isoformat(), "end": period.end.isoformat()}
    if period.contains(today):
        return {"period": period.kind.value}
    return {"period": period.kind.value, "at": period.start.isoformat()}


def board_request_or_404(request, **defaults):
    """board_request, for pages that have nothing to show someone who sees no node."""
    context = board_request(request, **defaults)
    if context is None:
        raise Http404
    return context


def managed_network(request):
    """The network the caller administers, for the administrators' pages (team, sources, reports). Someone who can
    see nodes but not manage them gets 403 on a change and 404 on the page; someone who sees nothing gets 404."""
    network = managed_networks(user=request.user).first()
    if network is not None:
        return network
    if request.method == "POST" and visible_nodes(request.user).exists():
        raise PermissionDenied
    raise Http404


def form_errors_from(form, error):
    """A service's ValidationError shown on the form: on its field when the form has one, else on the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
