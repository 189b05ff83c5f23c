"""Test runs: the same settings as production, with fast hashing and e-mail kept in memory.

DATABASE_URL and REDIS_URL are honoured, so CI runs the suite on PostgreSQL and Redis and a bare clone on SQLite.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests share one Redis with other runs: keep their cache keys apart.
if REDIS_URL:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = "kpiboard-test"  # noqa: F405
elif not os.environ.get("CACHE_DIR"):
    # Without Redis, a cache folder of this run's own, never the demo's var/cache nor another run's. Exported, so that
    # the processes this run starts (commands, workers) share it, as the processes of a machine share var/cache.
    CACHE_DIR = Path(tempfile.mkdtemp(prefix="kpiboard-test-cache-"))
    os.environ["CACHE_DIR"] = CACHES["default"]["LOCATION"] = str(CACHE_DIR)  # noqa: F405
    atexit.register(shutil.rmtree, CACHE_DIR, ignore_errors=True)

# Serve static files straight from the finders: no collectstatic needed outside production.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
