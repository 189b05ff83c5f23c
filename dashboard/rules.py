"""Evaluating question rules: which (rule, node) pairs call for a question this month, with the figures to put in
it. Reads values only through the one KPI engine (kpis.engine), on the current month to date, compared with the
same days of the previous month or of the same month last year.

Rules run for the whole network, not for a person: they read every rollup of the network on purpose, and the
questions they open are seen only by the people who can see their node.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from accounts.models import Node
from kpis.catalog import CATALOG, Direction
from kpis.engine import Pace, kpi_reports, objective_pace, round_value
from kpis.models import Objective
from kpis.periods import PeriodKind, period_containing
from kpis.selectors import dangerously_unscoped_subtree_rows

from .models import QuestionRule, RuleComparison, RuleKind, RuleScope
from .templatetags.kpi_tags import format_kpi_number

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finding:
    """A rule that holds on a node this month, with the figures that say why."""

    rule: QuestionRule
    node: Node
    period: object  # the whole month the question is about
    today: object
    currency: str
    figures: dict

    @property
    def kpi(self):
        return self.rule.kpi


def watched_nodes(rule, nodes):
    """The nodes of `nodes` (the network's, by path) that `rule` watches."""
    if rule.scope == RuleScope.NODE:
        return [rule.node]
    if rule.scope == RuleScope.CHILDREN:
        return [n for n in nodes if n.parent_id == rule.node_id]
    return [n for n in nodes if n.path.startswith(rule.node.path)]


def rule_is_valid(rule):
    kpi = CATALOG.get(rule.kpi)
    if kpi is None or (rule.kind == RuleKind.AGAINST_DRIVER and not kpi.drives):
        return False
    return rule.kind == RuleKind.OFF_TRACK or rule.threshold is not None


def rules_findings(*, network, today):
    """Every finding of the network's enabled rules on the month that contains `today`: one engine query per
    watched node (for all the KPIs its rules need), one for the objectives."""
    period = period_containing(PeriodKind.MONTH, today, fiscal_year_start_month=network.fiscal_year_start_month)
    nodes = list(Node.objects.subtree(network))
    watching = defaultdict(list)
    for rule in QuestionRule.objects.filter(enabled=True, node__path__startswith=network.path).select_related("node"):
        if not rule_is_valid(rule):
            logger.warning("Question rule %s is not valid (KPI %r, kind %s): skipped.", rule.pk, rule.kpi, rule.kind)
            continue
        for node in watched_nodes(rule, nodes):
            watching[node].append(rule)
    targets = {
        (objective.kpi, objective.node_id): objective.target
        for objective in Objective.objects.filter(node__path__startswith=network.path, start=period.start,
                                                  end=period.end)
    }  # fmt: skip
    rows = dangerously_unscoped_subtree_rows()
    findings = []
    for node, rules in sorted(watching.items(), key=lambda item: item[0].path):
        keys = {r.kpi for r in rules} | {CATALOG[r.kpi].drives for r in rules if r.kind == RuleKind.AGAINST_DRIVER}
        reports = kpi_reports(rows=rows, node=node, keys=sorted(keys), period=period, today=today)
        for rule in rules:
            figures = EVALUATE[rule.kind](rule, node, reports, targets, period, today)
            if figures is not None:
                findings.append(Finding(rule, node, period, today, network.currency, figures))
    return findings


def _off_track(rule, node, reports, targets, period, today):
    target = targets.get((rule.kpi, node.pk))
    if target is None:
        return None
    report = reports[rule.kpi]
    status = objective_pace(kpi=report.kpi, actual=report.current.value, target=target, period=period, today=today)
    if status.pace != Pace.OFF_TRACK:
        return None
    return {"actual": status.actual, "target": status.target, "projected": status.projected,
            "progress": status.progress}  # fmt: skip


def _change(report, comparison):
    """(change in %, the value compared with) against the rule's comparison period."""
    if comparison == RuleComparison.LAST_YEAR:
        return report.change_last_year, report.last_year.value
    return report.change_previous, report.previous.value


def _worsening(kpi, change):
    """How much worse `change` is, in %: a fall where higher is better, a rise where lower is better."""
    return change if kpi.good == Direction.DOWN else -change


def _drop(rule, node, reports, targets, period, today):
    report = reports[rule.kpi]
    change, reference = _change(report, rule.comparison)
    if change is None or _worsening(report.kpi, change) <= rule.threshold:
        return None
    return {"value": report.current.value, "reference": reference, "change": change}


def _against_driver(rule, node, reports, targets, period, today):
    driver, outcome = reports[rule.kpi], reports[CATALOG[rule.kpi].drives]
    driver_change, driver_reference = _change(driver, rule.comparison)
    outcome_change, outcome_reference = _change(outcome, rule.comparison)
    if driver_change is None or outcome_change is None:
        return None
    improvement, worsening = -_worsening(driver.kpi, driver_change), _worsening(outcome.kpi, outcome_change)
    if improvement <= 0 or worsening <= 0 or improvement + worsening <= rule.threshold:
        return None
    return {"value": driver.current.value, "reference": driver_reference, "change": driver_change,
            "outcome_value": outcome.current.value, "outcome_reference": outcome_reference,
            "outcome_change": outcome_change}  # fmt: skip


EVALUATE = {RuleKind.OFF_TRACK: _off_track, RuleKind.DROP: _drop, RuleKind.AGAINST_DRIVER: _against_driver}


def _signed(change):
    return f"{'+' if change > 0 else ''}{number_format(change, 1)} %"


def finding_text(finding):
    """The question's text, with its figures, in the active language."""
    kpi, node, f = CATALOG[finding.kpi], finding.node, finding.figures

    def number(value, key=finding.kpi):
        return format_kpi_number(round_value(CATALOG[key], value), CATALOG[key], finding.currency)

    when = {"period": finding.period.label, "today": date_format(finding.today, "j F")}
    if finding.rule.kind == RuleKind.OFF_TRACK:
        return _(
            "Objective off track: %(kpi)s of %(node)s is at %(actual)s for %(period)s up to %(today)s, "
            "%(progress)s %% of the target of %(target)s; at this pace the month would end at %(projected)s. "
            "What is happening, and what can be done?"
        ) % {"kpi": kpi.name, "node": node.name, "actual": number(f["actual"]), "target": number(f["target"]),
             "progress": number_format(f["progress"], 1), "projected": number(f["projected"]), **when}  # fmt: skip
    comparison = RuleComparison(finding.rule.comparison).label
    if finding.rule.kind == RuleKind.DROP:
        return _(
            "Sharp change: %(kpi)s of %(node)s is at %(value)s for %(period)s up to %(today)s, against %(reference)s "
            "over the same days of the %(comparison)s (%(change)s). What explains it?"
        ) % {"kpi": kpi.name, "node": node.name, "value": number(f["value"]), "reference": number(f["reference"]),
             "change": _signed(f["change"]), "comparison": comparison, **when}  # fmt: skip
    outcome = CATALOG[kpi.drives]
    return _(
        "%(driver)s of %(node)s moved %(change)s (%(value)s against %(reference)s) while %(outcome)s moved "
        "%(outcome_change)s (%(outcome_value)s against %(outcome_reference)s), for %(period)s up to %(today)s "
        "against the same days of the %(comparison)s. Why does the outcome not follow its driver?"
    ) % {"driver": kpi.name, "node": node.name, "change": _signed(f["change"]), "value": number(f["value"]),
         "reference": number(f["reference"]), "outcome": outcome.name, "outcome_change": _signed(f["outcome_change"]),
         "outcome_value": number(f["outcome_value"], outcome.key),
         "outcome_reference": number(f["outcome_reference"], outcome.key), "comparison": comparison,
         **when}  # fmt: skip
