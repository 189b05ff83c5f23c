from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from accounts.models import Node, User

from .services import automatic_questions_run, notification_digest_send


@shared_task(time_limit=120, soft_time_limit=100, autoretry_for=(SMTPException, ConnectionError, TimeoutError),
             retry_backoff=True, retry_jitter=True, max_retries=5)  # fmt: skip
def notifications_digest_task(recipient_id):
    """Queued after commit, a digest window after a person's first pending notification: one e-mail with all of
    them. Safe to run twice (the claim is conditional); a person gone or deactivated meanwhile gets nothing."""
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is not None:
        return notification_digest_send(recipient=recipient)
    return 0


@shared_task(time_limit=600, soft_time_limit=540)
def automatic_questions_task(network_id):
    """Run after each successful nightly sync of a network (ingestion queues it, on commit, with the network's
    id): opens the questions its rules call for today, in the network's time zone. Running it again opens
    nothing new."""
    network = Node.objects.filter(pk=network_id, parent__isnull=True).first()
    if network is None:
        return 0
    return len(automatic_questions_run(network=network, today=timezone.localdate(timezone=network.zone)))
