"""Text that people type (questions, replies, annotations, report names): trimmed, required where it must be, and
bounded, with the reason in the person's language."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_MESSAGE_LENGTH = 5000


def check_text(text, field="body", *, required=True, limit=MAX_MESSAGE_LENGTH):
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({field: _("Write something first.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(limit)d characters, please.") % {"limit": limit}})
    return text
