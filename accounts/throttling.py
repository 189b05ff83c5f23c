"""Failed-login throttling: after too many failures for one address or one account, further attempts wait.

Counters live in the cache (Redis in production), keyed by client address and by the e-mail tried, so that neither
guessing many passwords for one account nor trying one password on many accounts goes fast.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(*, email, address):
    digest = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:addr:{address}", f"login-fail:user:{digest}"]


def login_blocked(*, email, address):
    return any((cache.get(key) or 0) >= settings.LOGIN_FAILURE_LIMIT for key in _keys(email=email, address=address))


def login_failed(*, email, address):
    for key in _keys(email=email, address=address):
        cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_succeeded(*, email, address):
    cache.delete(_keys(email=email, address=address)[1])
