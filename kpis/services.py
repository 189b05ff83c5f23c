"""Writes on facts."""

from django.utils import timezone


def local_day(*, moment, zone):
    """The calendar day of an aware `moment` in `zone`: the day a lead or conversation counts on."""
    if timezone.is_naive(moment):
        raise ValueError("Fact time stamps must be aware.")
    return moment.astimezone(zone).date()
