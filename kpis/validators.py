"""Validators for the days people type (forms and API fields), on the bounds of kpis.periods."""

from django.core.exceptions import ValidationError

from .periods import day_outside_bounds


def validate_day_in_bounds(value):
    reason = day_outside_bounds(value)
    if reason:
        raise ValidationError(reason, code="day_out_of_bounds")
