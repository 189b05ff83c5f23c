from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from accounts.models import Node, User
from accounts.selectors import node_network

from .models import Report, ReportDelivery
from .questions.automatic import automatic_questions_run
from .questions.notifications import notification_digest_send
from .reports.delivery import TransientSendError, report_delivery_send, report_send_to, reports_dispatch_due


@shared_task(name="dashboard.tasks.notifications_digest_task", time_limit=120, soft_time_limit=100,
             autoretry_for=(SMTPException, ConnectionError, TimeoutError),
             retry_backoff=True, retry_jitter=True, max_retries=5)  # fmt: skip
def notifications_digest_task(recipient_id):
    """Queued after commit, a digest window after a person's first pending notification: one e-mail with all of
    them. Safe to run twice (the claim is conditional); a person gone or deactivated meanwhile gets nothing."""
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is not None:
        return notification_digest_send(recipient=recipient)
    return 0


@shared_task(name="dashboard.tasks.automatic_questions_task", time_limit=600, soft_time_limit=540)
def automatic_questions_task(network_id):
    """Run after each successful nightly sync of a network (ingestion queues it, on commit, with the network's
    id): opens the questions its rules call for today, in the network's time zone. Running it again opens
    nothing new."""
    network = Node.objects.filter(pk=network_id, parent__isnull=True).first()
    if network is None:
        return 0
    return len(automatic_questions_run(network=network, today=timezone.localdate(timezone=network.zone)))


@shared_task(name="dashboard.tasks.dispatch_due_reports", time_limit=300, soft_time_limit=270)
def dispatch_due_reports():
    """Beat, every fifteen minutes: create the deliveries of the report sends that have come (each at its local
    time in its network's time zone) and queue them, once committed. Running it twice creates nothing more."""
    return len(reports_dispatch_due())


@shared_task(name="dashboard.tasks.send_report_delivery", bind=True, autoretry_for=(TransientSendError,),
             retry_backoff=60, retry_backoff_max=60 * 60,
             retry_jitter=True, max_retries=5, time_limit=300, soft_time_limit=270)  # fmt: skip
def send_report_delivery(self, delivery_id):
    """Queued after the dispatcher's commit: render and send one report to one recipient. Delivered twice, it
    sends once (the delivery is claimed); only the mail server's transient failures are retried."""
    if not ReportDelivery.objects.filter(pk=delivery_id).exists():
        return None
    retry_left = not self.request.is_eager and self.request.retries < self.max_retries
    return report_delivery_send(delivery_id=delivery_id, retry_left=retry_left)


@shared_task(name="dashboard.tasks.send_report_now", time_limit=300, soft_time_limit=270,
             autoretry_for=(SMTPException, ConnectionError, TimeoutError),
             retry_backoff=True, retry_jitter=True, max_retries=3)  # fmt: skip
def send_report_now(report_id, user_id):
    """"Send now to me", queued after the request: the report as `user_id` would receive it, to them alone."""
    report = Report.objects.select_related("node").filter(pk=report_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if report is None or user is None:
        return None
    today = timezone.localdate(timezone=node_network(node=report.node).zone)
    return report_send_to(report=report, user=user, today=today)
