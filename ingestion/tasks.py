import socket

from celery import shared_task

from .services import worker_heartbeat_record


@shared_task(time_limit=30, soft_time_limit=20)
def worker_heartbeat(hostname=None):
    """Run by beat every few minutes; the row it leaves tells the board that workers are alive."""
    name = hostname or socket.gethostname()
    worker_heartbeat_record(hostname=name)
    return name
