from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle

from .throttling import lockout_response


class TokenView(ObtainAuthToken):
    """POST {"username": email, "password": ...} -> {"token": ...}. Failures count towards the same lockouts as the
    login page (accounts.throttling); requests are rate-limited on top, per client address."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    def handle_exception(self, exc):
        # A locked-out client's credentials are refused without being checked: say so (429), not "wrong password".
        if getattr(self.request, "axes_locked_out", False):
            return lockout_response(self.request)
        return super().handle_exception(exc)
