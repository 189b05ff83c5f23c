"""The automatic questions of the nightly rules: each finding of a network's rules opened as a question, once."""

from django.conf import settings
from django.utils.translation import override

from ..models import Thread
from .rules import finding_text, rules_findings
from .selectors import thread_addressee
from .services import thread_open


def automatic_questions_run(*, network, today):
    """Evaluate the network's rules on the month that contains `today` and open a question for each finding, in
    the addressee's language, with the figures in its text: once per rule, node and period however many times
    (or however concurrently) this runs. Returns the threads opened now."""
    opened = []
    for finding in rules_findings(network=network, today=today):
        period = finding.period
        if Thread.objects.filter(rule_key=finding.rule.key, node=finding.node, period_start=period.start,
                                 period_end=period.end).exists():  # fmt: skip
            continue
        addressee = thread_addressee(kpi=finding.kpi, node=finding.node, period=period)
        with override(addressee.language if addressee else settings.LANGUAGE_CODE):
            body = finding_text(finding)
        thread = thread_open(kpi=finding.kpi, node=finding.node, period=period, body=body, addressee=addressee,
                             rule=finding.rule)  # fmt: skip
        if thread is not None:
            opened.append(thread)
    return opened
