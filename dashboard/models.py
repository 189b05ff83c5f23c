""""Question this KPI": threads on a tile, their messages and mentions, notifications, annotations, the people
responsible for a KPI on a node, and the rules that open questions by themselves after the nightly sync.

Every row hangs on a node, so that accounts.scoping.restrict (the one door) decides who sees it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Node
from kpis.catalog import CATALOG
from kpis.periods import Period, custom_period

from .constants import DEFAULT_SEND_TIME, ReportCadence


class ThreadStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    RESOLVED = "resolved", _("Resolved")


class RuleKind(models.TextChoices):
    OFF_TRACK = "off_track", _("Objective off track")
    DROP = "drop", _("Sharp worsening")
    AGAINST_DRIVER = "against_driver", _("Outcome against its driver")


class RuleComparison(models.TextChoices):
    PREVIOUS = "previous", _("previous period")
    LAST_YEAR = "last_year", _("same period last year")


class RuleScope(models.TextChoices):
    NODE = "node", _("this node only")
    CHILDREN = "children", _("each node directly below")
    SUBTREE = "subtree", _("this node and every node below")


class NotificationVerb(models.TextChoices):
    ASKED = "asked", _("asked you a question")
    REPLIED = "replied", _("replied")
    ANSWERED = "answered", _("answered")
    MENTIONED = "mentioned", _("mentioned you")
    STATUS_CHANGED = "status_changed", _("changed the status")
    AUTOMATIC = "automatic", _("opened an automatic question")


class KpiOwner(models.Model):
    """The person responsible for one KPI on one node: questions about it go to them when no objective of that
    node and period names an owner."""

    kpi = models.CharField(_("KPI"), max_length=64)
    node = models.ForeignKey(Node, verbose_name=_("node"), on_delete=models.CASCADE, related_name="kpi_owners")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                             related_name="owned_kpis")  # fmt: skip

    class Meta:
        verbose_name = _("KPI owner")
        verbose_name_plural = _("KPI owners")
        constraints = [models.UniqueConstraint(fields=["kpi", "node"], name="kpi_owner_kpi_node_key")]

    def __str__(self):
        return f"{self.kpi} · {self.node} · {self.user}"


class QuestionRule(models.Model):
    """A rule evaluated after each nightly sync on the current month: when it holds for a node, a question is
    opened to the person responsible, once per rule, node and period.

    - off_track: the objective of `kpi` on the node and month is off track (its pace, kpis.engine.objective_pace);
    - drop: `kpi` worsens by more than `threshold` % against the `comparison` period (falls for a KPI where higher
      is better, rises for one where lower is better);
    - against_driver: `kpi` (a driver) improves while the outcome it drives (catalog `drives`) worsens, and the two
      changes are more than `threshold` points apart ("leads +5 % while new customers -10 %").

    `scope` says which nodes the rule watches: its node, each node directly below it, or its whole subtree.
    """

    kpi = models.CharField(_("KPI"), max_length=64)
    node = models.ForeignKey(Node, verbose_name=_("node"), on_delete=models.CASCADE, related_name="question_rules")
    scope = models.CharField(_("applies to"), max_length=16, choices=RuleScope.choices, default=RuleScope.NODE)
    kind = models.CharField(_("kind"), max_length=16, choices=RuleKind.choices)
    comparison = models.CharField(_("compared with"), max_length=16, choices=RuleComparison.choices,
                                  default=RuleComparison.PREVIOUS)  # fmt: skip
    threshold = models.DecimalField(_("threshold (%)"), max_digits=7, decimal_places=2, null=True, blank=True,
                                    help_text=_("Drop: % of worsening. Against the driver: points between the "
                                                "two changes. Unused for an objective off track."))  # fmt: skip
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("question rule")
        verbose_name_plural = _("question rules")
        ordering = ["node__path", "kpi", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "node", "kind", "comparison"], name="question_rule_key"),
            models.CheckConstraint(
                condition=Q(kind=RuleKind.OFF_TRACK) | Q(threshold__isnull=False, threshold__gte=0),
                name="question_rule_threshold_needed",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.kpi} · {self.node}"

    @property
    def key(self):
        """What a thread opened by this rule remembers of it, even after the rule is deleted."""
        return f"rule-{self.pk}"

    def clean(self):
        kpi = CATALOG.get(self.kpi)
        if kpi is None:
            raise ValidationError({"kpi": _("Unknown KPI %(key)s.") % {"key": self.kpi}})
        if self.kind == RuleKind.AGAINST_DRIVER and not kpi.drives:
            raise ValidationError({"kpi": _("%(key)s drives no outcome: choose a driver such as leads.")
                                   % {"key": self.kpi}})  # fmt: skip
        if self.kind != RuleKind.OFF_TRACK and self.threshold is None:
            raise ValidationError({"threshold": _("This kind of rule needs a threshold.")})


class Thread(models.Model):
    """A question about one KPI on one node over one period (the tile it was asked on), addressed to the person
    responsible, with its messages. An automatic question has no author and carries the key of the rule that
    opened it: the database holds it to once per rule, node and period."""

    kpi = models.CharField(_("KPI"), max_length=64)
    node = models.ForeignKey(Node, verbose_name=_("node"), on_delete=models.CASCADE, related_name="threads")
    period_kind = models.CharField(_("period"), max_length=16)
    period_start = models.DateField(_("start"))
    period_end = models.DateField(_("end"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="threads_asked")  # fmt: skip
    addressee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("addressed to"),
                                  on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="threads_addressed")  # fmt: skip
    status = models.CharField(_("status"), max_length=16, choices=ThreadStatus.choices, default=ThreadStatus.OPEN)
    rule = models.ForeignKey(QuestionRule, verbose_name=_("rule"), on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="threads")  # fmt: skip
    rule_key = models.CharField(_("rule key"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last activity"), auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule_key", "node", "period_start", "period_end"],
                                    condition=~Q(rule_key=""), name="thread_once_per_rule_node_period"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="thread_period_ordered"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["node", "status", "kpi"], name="thread_node_status_kpi_idx"),
            models.Index(fields=["addressee", "status"], name="thread_addressee_status_idx"),
            models.Index(fields=["author", "status"], name="thread_author_status_idx"),
        ]

    def __str__(self):
        return f"{self.kpi} · {self.node} · {self.period_start}–{self.period_end}"

    @property
    def is_automatic(self):
        return bool(self.rule_key)

    @property
    def period(self):
        return Period(self.period_kind, self.period_start, self.period_end)


class Message(models.Model):
    """One message of a thread: the question itself (the first), a reply, or a structured answer
    (Observation, Analysis, Recommendation). The body is plain text; it is escaped and lightly formatted on
    display (dashboard.formatting)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")  # fmt: skip
    body = models.TextField(_("message"), blank=True)
    observation = models.TextField(_("observation"), blank=True)
    analysis = models.TextField(_("analysis"), blank=True)
    recommendation = models.TextField(_("recommendation"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Mention", related_name="+")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(body="", observation="", analysis="", recommendation=""),
                                   name="message_not_empty"),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.thread} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_structured(self):
        return bool(self.observation or self.analysis or self.recommendation)


class Mention(models.Model):
    """A person named with @ in a message. Only people who can see the thread's node are ever recorded: a
    mention of anyone else stays plain text and tells them nothing."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mention_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions")

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="mention_message_user_key")]

    def __str__(self):
        return f"@{self.user} · {self.message}"


class Notification(models.Model):
    """Something that happened on a thread, for one person: shown in the app until read, and sent by e-mail in a
    digest. `digest` names the e-mail it went out in: every notification claimed by one digest shares it."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="notifications")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="+")  # fmt: skip
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")  # fmt: skip
    verb = models.CharField(_("event"), max_length=16, choices=NotificationVerb.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    digest = models.UUIDField(_("digest"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "emailed_at"], name="notification_unemailed_idx"),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.get_verb_display()} · {self.thread}"


class Annotation(models.Model):
    """A dated note on a node, about one KPI or, with no KPI, about all of them ("TV campaign started", "call
    centre closed for works"): drawn on the KPI's charts and listed on the wall."""

    kpi = models.CharField(_("KPI"), max_length=64, blank=True, help_text=_("Empty: every KPI of the node."))
    node = models.ForeignKey(Node, verbose_name=_("node"), on_delete=models.CASCADE, related_name="annotations")
    day = models.DateField(_("day"))
    text = models.CharField(_("note"), max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["node", "day"], name="annotation_node_day_idx")]

    def __str__(self):
        return f"{self.day} · {self.node} · {self.text}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class Report(models.Model):
    """A scheduled e-mail report: the board of `node` over each period of its cadence, sent to its recipients at
    `send_time` (local time of the node's network). `start_date` is a new project's start, or the anchor of the
    other cadences (the first send covers the period that contains it): see dashboard.cadence."""

    name = models.CharField(_("name"), max_length=120)
    node = models.ForeignKey(Node, verbose_name=_("node"), on_delete=models.CASCADE, related_name="reports")
    cadence = models.CharField(_("cadence"), max_length=16, choices=ReportCadence.choices)
    start_date = models.DateField(_("start date"), help_text=_("A new project's start; for the other cadences, the "
                                                               "first report covers the period that holds it."))
    send_time = models.TimeField(_("sent at (local time)"), default=DEFAULT_SEND_TIME)
    paused = models.BooleanField(_("paused"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["node__path", "name", "pk"]

    def __str__(self):
        return f"{self.name} · {self.node}"


class ReportRecipient(models.Model):
    """A person who receives a report, each in their own scope and language, until they unsubscribe (with the
    signed link of every e-mail; they may subscribe again from the same page)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                             related_name="report_subscriptions")  # fmt: skip
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report recipient")
        verbose_name_plural = _("report recipients")
        ordering = ["report", "user__email"]
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="report_recipient_key")]

    def __str__(self):
        return f"{self.user} · {self.report}"


class ReportDelivery(models.Model):
    """One report for one recipient and one period: created by the dispatcher when the send is due, claimed and
    sent by one task. The database holds it to once per report, recipient and period, whatever retries or double
    beats happen. `skipped`: the recipient could see nothing of the node, or had unsubscribed, by then."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(ReportRecipient, on_delete=models.CASCADE, related_name="deliveries")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    previous_start = models.DateField(_("compared from"))
    previous_end = models.DateField(_("compared to"))
    scheduled_for = models.DateTimeField(_("scheduled for"))
    status = models.CharField(_("status"), max_length=16, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)  # fmt: skip
    queued_at = models.DateTimeField(_("queued at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("report delivery")
        verbose_name_plural = _("report deliveries")
        ordering = ["-scheduled_for", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "recipient", "period_start"], name="report_delivery_once"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="report_delivery_ordered"),
        ]
        indexes = [models.Index(fields=["status", "queued_at"], name="report_delivery_pending_idx")]

    def __str__(self):
        return f"{self.recipient} · {self.period_start}–{self.period_end}"

    @property
    def period(self):
        return custom_period(self.period_start, self.period_end)

    @property
    def previous(self):
        return custom_period(self.previous_start, self.previous_end)
