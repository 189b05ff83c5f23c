"""Test runs: the same settings as production, with fast hashing and e-mail kept in memory.

DATABASE_URL and REDIS_URL are honoured, so CI runs the suite on PostgreSQL and Redis and a bare clone on SQLite.
"""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests share one Redis with other runs: keep their cache keys apart.
if REDIS_URL:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = "kpiboard-test"  # noqa: F405

# Serve static files straight from the finders: no collectstatic needed outside production.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
