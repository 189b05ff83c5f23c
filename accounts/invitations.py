"""The invitation e-mail: a new person's link to choose their password. Sent by accounts.tasks.send_invitation,
which services.user_invite queues once the grant is committed."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import override


def invitation_send(*, user):
    """E-mail `user` a link to choose their password (the password-reset token, valid PASSWORD_RESET_TIMEOUT)."""
    path = reverse("password_reset_confirm", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                                   default_token_generator.make_token(user)])  # fmt: skip
    with override(user.language):
        body = render_to_string("accounts/invitation_email.txt", {"user": user, "url": settings.SITE_URL + path})
        send_mail(_("Your access to the KPI board"), body, None, [user.email])
