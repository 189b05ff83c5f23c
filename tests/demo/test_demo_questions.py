"""On the demo, the nightly rules open the questions its stories call for, to the right people, once."""

from datetime import date

import pytest

from accounts.models import Node
from dashboard.demo import demo_build, demo_questions
from dashboard.models import Thread
from dashboard.questions.automatic import automatic_questions_run
from ingestion.demo_data import DEMO_DOMAIN

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)


def test_the_demo_stories_open_their_questions_once(celery_inline):
    _logins, counts, _run = demo_build(seed=42, today=TODAY, months=13)
    questions = {(t.rule.kind, t.kpi, t.node.slug): t for t in Thread.objects.select_related("rule", "node")}

    assert counts["automatic questions"] == len(questions) > 0
    # Sud: leads +44 % against last year while new customers fall; addressed to the owner of Sud's objectives.
    sud = questions[("against_driver", "leads", "sud")]
    assert sud.addressee.email == f"region.sud@{DEMO_DOMAIN}" and sud.author is None
    assert "+44,4\xa0%" in sud.messages.get().body and "-4,2\xa0%" in sud.messages.get().body
    # Sud's objectives of revenue and new customers are off track.
    assert {("off_track", "sales_revenue", "sud"), ("off_track", "new_customers", "sud")} <= set(questions)
    # Revenue falls sharply against last year on Sud's franchisees, Marseille first, each asked to its own manager.
    drops = {slug: t.addressee.email for (kind, _kpi, slug), t in questions.items() if kind == "drop"}
    assert drops["marseille"] == f"marseille@{DEMO_DOMAIN}" and drops["perpignan"] == f"region.sud@{DEMO_DOMAIN}"
    assert sum(Node.objects.get(slug=slug).parent.slug == "sud" for slug in drops) >= 3
    # Nothing is asked twice: neither by the next night's run nor by setting the demo's rules up again.
    nodes = {node.slug: node for node in Node.objects.all()}
    assert automatic_questions_run(network=nodes["linguaviva"], today=TODAY) == []
    assert demo_questions(nodes=nodes, today=TODAY, domain=DEMO_DOMAIN) == []
    assert Thread.objects.count() == len(questions)
