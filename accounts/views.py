from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from .services import api_token_issue
from .throttling import lockout_response


class TokenView(ObtainAuthToken):
    """POST {"username": email, "password": ...} -> {"token": ...}. Failures count towards the same lockouts as the
    login page (accounts.throttling); requests are rate-limited on top, per client address."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # authtoken names DRF's own JSON parser: use the API's

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"token": api_token_issue(user=serializer.validated_data["user"]).key})

    def handle_exception(self, exc):
        # A locked-out client's credentials are refused without being checked: say so (429), not "wrong password".
        if getattr(self.request, "axes_locked_out", False):
            return lockout_response(self.request)
        return super().handle_exception(exc)
