"""Production: PostgreSQL, Redis, Celery worker and beat behind gunicorn. Refuses to start without a secret."""

from cryptography.fernet import Fernet, MultiFernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith("insecure-"):
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment for production.")
# Django's own bar (check --deploy, security.W009): sessions, password-reset links, display and unsubscribe links
# are all signed with it. Make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: at least 50 characters, 5 of them different.")

# The credentials of data sources are encrypted with this key: no default outside development.
INGESTION_ENCRYPTION_KEY = env("INGESTION_ENCRYPTION_KEY", default="")
if not INGESTION_ENCRYPTION_KEY or INGESTION_DEVELOPMENT_KEY in INGESTION_ENCRYPTION_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "INGESTION_ENCRYPTION_KEY must be set in the environment for production. Make one with: "
        "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    )
try:
    MultiFernet([Fernet(key.strip()) for key in INGESTION_ENCRYPTION_KEY.split(",") if key.strip()])
except ValueError as error:
    raise ImproperlyConfigured(f"INGESTION_ENCRYPTION_KEY is not a Fernet key: {error}") from None

DEBUG = env.bool("DEBUG", default=False)
# The container's own health check calls http://127.0.0.1:8000/healthz/: let it in, over plain HTTP.
ALLOWED_HOSTS = [*env.list("ALLOWED_HOSTS"), "127.0.0.1", "localhost"]
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
