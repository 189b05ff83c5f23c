"""Evaluating question rules: which (rule, node) pairs call for a question this month, with the figures to put in
it. Reads the board's own figures (kpis.boards), on the current month to date, compared with the same days of the
previous month or of the same month last year: a question quotes what its addressee sees on the board.

Rules run for the whole network, not for a person: they read as the network itself (accounts.scoping.NodeReader), and
the questions they open are seen only by the people who can see their node.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Node, in_subtree
from accounts.scoping import NodeReader
from kpis.boards import board_read
from kpis.catalog import CATALOG, Direction
from kpis.engine import Pace, objective_pace, round_value
from kpis.models import Objective
from kpis.periods import PeriodKind, period_containing

from ..formatting import change_text, decimal_text, format_kpi_number
from ..models import QuestionRule, RuleComparison, RuleKind, RuleScope

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
    return [n for n in nodes if n.is_within(rule.node)]


def rule_is_valid(rule):
    kpi = CATALOG.get(rule.kpi)
    if kpi is None or (rule.kind == RuleKind.AGAINST_DRIVER and not kpi.drives):
        return False
    return rule.kind == RuleKind.OFF_TRACK or rule.threshold is not None


def rules_findings(*, network, today):
    """Every finding of the network's enabled rules on the month that contains `today`: one board read per
    watched node (for all the KPIs its rules need), one for the objectives."""
    period = period_containing(PeriodKind.MONTH, today, fiscal_year_start_month=network.fiscal_year_start_month)
    nodes = list(Node.objects.subtree(network))
    watching = defaultdict(list)
    for rule in QuestionRule.objects.filter(in_subtree(network), enabled=True).select_related("node"):
        if not rule_is_valid(rule):
            logger.warning("Question rule %s is not valid (KPI %r, kind %s): skipped.", rule.pk, rule.kpi, rule.kind)
            continue
        for node in watched_nodes(rule, nodes):
            watching[node].append(rule)
    targets = {
        (objective.kpi, objective.node_id): objective.target
        for objective in Objective.objects.filter(in_subtree(network), start=period.start,
                                                  end=period.end)
    }  # fmt: skip
    reader = NodeReader(network)
    findings = []
    for node, rules in sorted(watching.items(), key=lambda item: item[0].path):
        keys = {r.kpi for r in rules} | {CATALOG[r.kpi].drives for r in rules if r.kind == RuleKind.AGAINST_DRIVER}
        board = board_read(user=reader, node=node, keys=sorted(keys), period=period, today=today)
        reports = {tile.kpi.key: tile.report for tile in board.tiles}
        # An immature value (its leads still converting) says nothing yet: no question is asked about it.
        immature = {tile.kpi.key for tile in board.tiles if not tile.mature}
        for rule in rules:
            if rule.kpi in immature or (rule.kind == RuleKind.AGAINST_DRIVER and CATALOG[rule.kpi].drives in immature):
                continue
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
    """(relative change in %, the change as shown, the value compared with) against the rule's comparison period.
    Thresholds read the relative change, whatever the KPI's unit (a rule's "20 %" is a fifth of the value); the
    question's text shows the change as the board does (points for a KPI in %)."""
    other = report.last_year if comparison == RuleComparison.LAST_YEAR else report.previous
    return report.relative_change(other), report.change(other), other.value


def _worsening(kpi, change):
    """How much worse `change` is, in %: a fall where higher is better, a rise where lower is better."""
    return change if kpi.good == Direction.DOWN else -change


def _drop(rule, node, reports, targets, period, today):
    report = reports[rule.kpi]
    relative, change, reference = _change(report, rule.comparison)
    if relative is None or _worsening(report.kpi, relative) <= rule.threshold:
        return None
    return {"value": report.current.value, "reference": reference, "change": change,
            "change_unit": report.change_unit}  # fmt: skip


def _against_driver(rule, node, reports, targets, period, today):
    driver, outcome = reports[rule.kpi], reports[CATALOG[rule.kpi].drives]
    driver_relative, driver_change, driver_reference = _change(driver, rule.comparison)
    outcome_relative, outcome_change, outcome_reference = _change(outcome, rule.comparison)
    if driver_relative is None or outcome_relative is None:
        return None
    improvement, worsening = -_worsening(driver.kpi, driver_relative), _worsening(outcome.kpi, outcome_relative)
    if improvement <= 0 or worsening <= 0 or improvement + worsening <= rule.threshold:
        return None
    return {"value": driver.current.value, "reference": driver_reference, "change": driver_change,
            "change_unit": driver.change_unit, "outcome_value": outcome.current.value,
            "outcome_reference": outcome_reference, "outcome_change": outcome_change,
            "outcome_change_unit": outcome.change_unit}  # fmt: skip


EVALUATE = {RuleKind.OFF_TRACK: _off_track, RuleKind.DROP: _drop, RuleKind.AGAINST_DRIVER: _against_driver}


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
             "progress": decimal_text(f["progress"], 1), "projected": number(f["projected"]), **when}  # fmt: skip
    comparison = RuleComparison(finding.rule.comparison).label
    if finding.rule.kind == RuleKind.DROP:
        return _(
            "Sharp change: %(kpi)s of %(node)s is at %(value)s for %(period)s up to %(today)s, against %(reference)s "
            "over the same days of the %(comparison)s (%(change)s). What explains it?"
        ) % {"kpi": kpi.name, "node": node.name, "value": number(f["value"]), "reference": number(f["reference"]),
             "change": change_text(f["change"], f["change_unit"]), "comparison": comparison, **when}  # fmt: skip
    outcome = CATALOG[kpi.drives]
    return _(
        "%(driver)s of %(node)s moved %(change)s (%(value)s against %(reference)s) while %(outcome)s moved "
        "%(outcome_change)s (%(outcome_value)s against %(outcome_reference)s), for %(period)s up to %(today)s "
        "against the same days of the %(comparison)s. Why does the outcome not follow its driver?"
    ) % {"driver": kpi.name, "node": node.name, "change": change_text(f["change"], f["change_unit"]),
         "value": number(f["value"]), "reference": number(f["reference"]), "outcome": outcome.name,
         "outcome_change": change_text(f["outcome_change"], f["outcome_change_unit"]),
         "outcome_value": number(f["outcome_value"], outcome.key),
         "outcome_reference": number(f["outcome_reference"], outcome.key), "comparison": comparison,
         **when}  # fmt: skip
