"""API tokens that end: a token older than API_TOKEN_LIFETIME_DAYS is refused (and dropped), so a token copied into a
script or leaked in a log stops working on its own. Password changes and role removals drop a person's tokens at once
(accounts.models.User.save, accounts.services.role_revoke)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def token_expired(token, *, now=None):
    return token.created + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS) <= (now or timezone.now())


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise AuthenticationFailed(_("Token has expired: ask for a new one."))
        return user, token
