from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import WorkerHeartbeat


@transaction.atomic
def worker_heartbeat_record(*, hostname):
    """Note that the worker `hostname` is alive now; safe to run any number of times."""
    beat, created = WorkerHeartbeat.objects.get_or_create(
        hostname=hostname, defaults={"seen_at": timezone.now(), "beats": 1}
    )
    if not created:
        WorkerHeartbeat.objects.filter(pk=beat.pk).update(seen_at=timezone.now(), beats=F("beats") + 1)
        beat.refresh_from_db()
    return beat
