"""Celery tasks of accounts: thin, they take ids and call one function. Services queue them by their names (set
here explicitly, as services and queued messages spell them) through accounts.queueing.task_queue."""

from celery import shared_task

from .invitations import invitation_send
from .models import User


@shared_task(name="accounts.tasks.send_invitation", time_limit=60, soft_time_limit=50,
             autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, retry_jitter=True,
             max_retries=5)  # fmt: skip
def send_invitation(user_id):
    """Queued after the grant commits; a user deleted meanwhile gets nothing."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        invitation_send(user=user)
