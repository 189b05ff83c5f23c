from celery import shared_task

from .models import User
from .services import invitation_send


@shared_task(time_limit=60, soft_time_limit=50, autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True,
             retry_jitter=True, max_retries=5)  # fmt: skip
def send_invitation(user_id):
    """Queued after the grant commits; a user deleted meanwhile gets nothing."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        invitation_send(user=user)
