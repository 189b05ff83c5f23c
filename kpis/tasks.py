"""Celery tasks of kpis: thin, they take ids, fetch fresh and call one service. Each name is set here explicitly, as
the beat schedule (CELERY_BEAT_SCHEDULE) spells it."""

from celery import shared_task
from django.utils import timezone

from accounts.models import Node

from .maturity import conversion_lag_measure


@shared_task(name="kpis.tasks.conversion_lags_measure", time_limit=15 * 60, soft_time_limit=14 * 60)
def conversion_lags_measure(network_id=None):
    """Beat, nightly: measure the conversion lag of every network (or of the network `network_id` alone, none if it
    is gone), each on its own local day. Each measure replaces the last, so running it twice changes nothing.
    Returns the number of networks measured."""
    networks = Node.objects.filter(parent__isnull=True).order_by("pk")
    if network_id is not None:
        networks = networks.filter(pk=network_id)
    measured = 0
    for network in networks:
        conversion_lag_measure(network=network, today=timezone.localdate(timezone=network.zone))
        measured += 1
    return measured
