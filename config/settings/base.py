"""Settings shared by every environment. Everything that varies comes from the environment.

The embedded default (no variable set) is a SQLite file and inline tasks, so that a fresh clone runs with one
command; production sets DATABASE_URL and REDIS_URL and runs the same code against PostgreSQL, Redis and Celery.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.conf import global_settings
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-never-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "axes",
    "accounts",
    "kpis",
    "ingestion",
    "dashboard",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "config.middleware.RefuseNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout decided during the view into its 429
]

# Scripts only from our static files (there is no inline script). Styles also inline: Plotly styles what it draws.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

AUTHENTICATION_BACKENDS = [
    "accounts.throttling.LoginLockoutBackend",  # first: a locked-out client is refused before any password check
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# The embedded default is a SQLite file next to manage.py; production points DATABASE_URL at PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French first, English second. Every user-facing string goes through gettext.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Storage is UTC; each network cuts its days in its own time zone (Node.timezone). TIME_ZONE is only the default
# for pages with no network in context and for the admin.
TIME_ZONE = env("TIME_ZONE", default="Europe/Paris")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "dashboard.staticfiles.PlotlyFinder",  # plotly.js from the plotly package: charts need no CDN
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Redis, when configured, is the Celery broker and the cache. Without it, tasks run inline in the web process and
# the cache is a folder of files (CACHE_DIR): the same code paths, no extra service to run.
#
# The cache must be one for every process of the machine, not one per process (LocMemCache): the board's figures are
# cached under a per-network version that every rollup refresh replaces (kpis.board_cache), so an import or a sync
# run from a shell (`manage.py import_facts`, `sync`, `demo`), or by another worker of the server, must replace the
# version the web server reads, or its pages keep the old figures until it restarts. Files rather than the database
# (DatabaseCache): on SQLite, pages writing their cache entries would queue behind an import's long write
# transaction (one writer at a time), and there is no cache table to create.
REDIS_URL = env("REDIS_URL", default="")
CACHE_DIR = Path(env("CACHE_DIR", default=str(BASE_DIR / "var" / "cache")))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="kpiboard"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(CACHE_DIR),
            # A network's boards, KPI pages and walls take a few hundred entries: the default (300) would cull them.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

# PostgreSQL is the system of record: tasks report through database rows, not a result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Redis hands an unacknowledged task (acks_late) to another worker after this many seconds: a worker lost in the
# middle of a sync has its task redelivered. Longer than any task's hard time limit, or a slow task would run twice
# (the per-source lock would stop the second one, but it would wait for nothing).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60)}
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a refused token is answered 401 with its WWW-Authenticate, not 403.
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.BoundedJSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"login": env("LOGIN_THROTTLE_RATE", default="10/min")},
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Franchise KPI board API",
    "DESCRIPTION": "KPI values, objectives and facts of a franchise network, scoped to the caller's access.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Several answers have a "status": name each set of choices after what it is the status of.
    "ENUM_NAME_OVERRIDES": {
        "ThreadStatusEnum": "dashboard.models.ThreadStatus",
        "WebhookDeliveryStatusEnum": ["accepted", "duplicate"],
    },
}

# Failed sign-ins (accounts.throttling): this many failures for one account from one address lock that pair out for
# the window; 4 times as many lock an address out, 10 times as many an account. The client address is read through
# TRUSTED_PROXY_COUNT proxies (0: REMOTE_ADDR; 1 behind the README's TLS proxy, which appends to X-Forwarded-For).
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=30)
AXES_HANDLER = "accounts.throttling.LoginLockoutHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_FAILURE_WINDOW_SECONDS)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]  # limits: accounts.throttling
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_address"
AXES_USERNAME_FORM_FIELD = "username"  # the login page's, the admin's and the token endpoint's field (an e-mail)
AXES_USERNAME_CALLABLE = "accounts.throttling.normalised_username"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
AXES_RESET_ON_SUCCESS = True  # a successful sign-in clears that client's counters
AXES_VERBOSE = False
# DRF's throttles read the client address as the lockouts do; without it DRF takes X-Forwarded-For as a client wrote it.
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # an invitation link lasts three days

# Wall screens reload themselves this often (seconds).
WALL_REFRESH_SECONDS = env.int("WALL_REFRESH_SECONDS", default=300)

# "Question this KPI": a person's notifications of this many seconds go out in one e-mail (a digest).
QUESTIONS_DIGEST_SECONDS = env.int("QUESTIONS_DIGEST_SECONDS", default=600)

# Scheduled reports: a send whose time came more than this many hours ago (workers or beat down) is not sent late;
# a delivery still pending this many minutes after it was queued (its broker message was lost) is queued again.
REPORTS_CATCH_UP_HOURS = env.int("REPORTS_CATCH_UP_HOURS", default=24)
REPORTS_REQUEUE_AFTER_MINUTES = env.int("REPORTS_REQUEUE_AFTER_MINUTES", default=60)

# The public address of this installation, for links in e-mails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="kpi-board@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Sign-in lockouts log their failures and lockouts as warnings; each success's counter reset is noise.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Data sources. Their credentials are encrypted with this Fernet key (several, comma-separated, to rotate them:
# the first encrypts). The default is for development only: production refuses to start without a key of its own.
INGESTION_DEVELOPMENT_KEY = "ZGV2ZWxvcG1lbnQtb25seS1rcGktYm9hcmQta2V5LTA="  # noqa: S105 - published on purpose
INGESTION_ENCRYPTION_KEY = env("INGESTION_ENCRYPTION_KEY", default=INGESTION_DEVELOPMENT_KEY)
# A sync is stopped (and fails, saying so) after this many seconds; the hard limit kills the worker process.
INGESTION_SYNC_TIME_LIMIT = env.int("INGESTION_SYNC_TIME_LIMIT", default=30 * 60)
# A queued or running sync that no worker has finished after this many minutes is sent to the workers again
# (its broker message was lost, or its worker was): PostgreSQL, not Redis, is the record of what is to be done.
INGESTION_REQUEUE_AFTER_MINUTES = env.int("INGESTION_REQUEUE_AFTER_MINUTES", default=120)
# Dotted names of Celery tasks queued, with the network id, after the successful syncs of its sources: by default the
# "question this KPI" rules, which open the questions the night's figures call for. With a broker, the syncs that
# finish within INGESTION_AFTER_SYNC_DELAY_SECONDS of the first one share one run, at the end of that window.
INGESTION_AFTER_SYNC_TASKS = env.list("INGESTION_AFTER_SYNC_TASKS",
                                      default=["dashboard.tasks.automatic_questions_task"])  # fmt: skip
INGESTION_AFTER_SYNC_DELAY_SECONDS = env.int("INGESTION_AFTER_SYNC_DELAY_SECONDS", default=15 * 60)
# Webhooks: a signature older or newer than this is refused; a larger body is refused.
INGESTION_WEBHOOK_TOLERANCE_SECONDS = 300
INGESTION_WEBHOOK_MAX_BYTES = env.int("INGESTION_WEBHOOK_MAX_BYTES", default=5 * 1024 * 1024)
# Django refuses to read a request body larger than this (400, before any view): at least the webhooks' limit, so that
# every body up to it is read (and one above it answered 413 by the webhook view), and never below Django's default.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(INGESTION_WEBHOOK_MAX_BYTES, global_settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
# The board warns that data is stale when the last successful sync is older than this.
DATA_STALE_AFTER_HOURS = env.int("DATA_STALE_AFTER_HOURS", default=26)

# The whole periodic schedule, in one place. Each source's nightly sync runs at its own local time of day (01:00 in
# its network's time zone by default, editable on the Data sources page): the dispatcher, every five minutes, queues
# the sources whose next run has come, so time zones and daylight saving need no entry here. Likewise each report
# goes out at its own local time on the days of its cadence: its dispatcher runs every fifteen minutes.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "ingestion.tasks.worker_heartbeat", "schedule": 300.0},
    "dispatch-due-syncs": {"task": "ingestion.tasks.dispatch_due_syncs", "schedule": 300.0},
    "dispatch-due-reports": {"task": "dashboard.tasks.dispatch_due_reports", "schedule": 900.0},
    # Once a day, after the European networks' nightly syncs (01:00 local): how long each network's leads take to
    # convert, measured on each network's own local day.
    "measure-conversion-lags": {"task": "kpis.tasks.conversion_lags_measure", "schedule": crontab(hour=3, minute=30)},
}
