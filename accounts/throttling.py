"""Failed sign-in throttling, on django-axes: the login page, the admin's login and the API token endpoint.

Failures are counted in the cache (Redis in production) three ways, each with its own limit within the cool-off:
- per account *and* client address (LOGIN_FAILURE_LIMIT, 5 by default): someone guessing one account from one place;
- per client address, whatever the account (4 times as many): one password tried on many accounts;
- per account, whatever the address (10 times as many): guesses spread over many addresses.
So a person mistyping locks out only themselves, from where they are; a stranger needs fifty tries, not five, to lock
an owner out; and no guessing goes fast. The client address is the one the outermost trusted proxy saw
(TRUSTED_PROXY_COUNT), never a header a client can write itself.
"""

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_client_cache_keys, get_failure_limit
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# Each counter of AXES_LOCKOUT_PARAMETERS locks at LOGIN_FAILURE_LIMIT times its factor.
LIMIT_FACTORS = {("username", "ip_address"): 1, ("ip_address",): 4, ("username",): 10}


def client_address(request):
    """The client's address: REMOTE_ADDR without a proxy; behind N trusted proxies, the N-th address from the right
    of X-Forwarded-For (each proxy appends the address it saw, so only the last N entries are not the client's own
    writing). DRF's throttles read it the same way (NUM_PROXIES)."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def normalised_username(request, credentials):
    """Addresses are not case-sensitive: Lille@… and lille@… are one account's failures."""
    return ((credentials or {}).get("username") or "").strip().lower() or None


class LoginLockoutHandler(AxesCacheHandler):
    """Axes' cache handler with a limit per counter (see the module docstring) instead of one for all."""

    def get_failures(self, request, credentials=None) -> int:
        # Scaled so that the highest counter reaches the configured limit exactly when it reaches its own limit.
        limit = get_failure_limit(request, credentials)
        counts = [self.cache.get(key, default=0) for key in get_client_cache_keys(request, credentials)]
        factors = [LIMIT_FACTORS[(parameter,) if isinstance(parameter, str) else tuple(parameter)]
                   for parameter in settings.AXES_LOCKOUT_PARAMETERS]  # fmt: skip
        return max(count * limit // (limit * factor) for count, factor in zip(counts, factors, strict=True))

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None:  # axes decided on the highest raw counter; decide on the scaled ones
            request.axes_locked_out = self.is_locked(request, credentials)


class LoginLockoutBackend(AxesStandaloneBackend):
    """Axes' backend, refusing every sign-in of a locked-out client, right password or not. An authenticate() call
    without a request has no client to throttle (the test client's login(), a shell) and is left to the next
    backend; every HTTP sign-in of the product passes its request (Django's login views and DRF's token view do)."""

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """429 for a locked-out client: JSON on the API, the login page with its message elsewhere."""
    message = _("Too many failed attempts. Please wait a few minutes before trying again.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/login.html", {"throttled": True, "lockout_message": message}, status=429)
