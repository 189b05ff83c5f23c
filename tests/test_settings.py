import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENCRYPTION_KEY = "q3Cz3uVQ5m0lzFf0n8d3O5vQm2nqz1ZcZr8wG6kYb4E="  # a Fernet key for these checks only
SECRET = "a-long-random-production-secret-" * 2  # for these checks only


def run_django_check(settings, *options, **env):
    # Only what a production process would have: no secrets of ours, no test-only switches.
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "INGESTION_ENCRYPTION_KEY")
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(DJANGO_SETTINGS_MODULE=settings, **env)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", *options], cwd=ROOT, env=environment, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_production_refuses_to_start_without_a_secret_key():
    result = run_django_check("config.settings.production", ALLOWED_HOSTS="kpi.example.com",
                              INGESTION_ENCRYPTION_KEY=ENCRYPTION_KEY)  # fmt: skip

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_weak_secret_key():
    for weak in ("short", "x" * 64):
        result = run_django_check("config.settings.production", SECRET_KEY=weak, ALLOWED_HOSTS="kpi.example.com",
                                  INGESTION_ENCRYPTION_KEY=ENCRYPTION_KEY)  # fmt: skip

        assert result.returncode != 0 and "SECRET_KEY is too weak" in result.stderr, weak


def test_production_refuses_to_start_without_a_credentials_key_of_its_own():
    missing = run_django_check("config.settings.production", SECRET_KEY=SECRET, ALLOWED_HOSTS="kpi.example.com")
    development = run_django_check("config.settings.production", SECRET_KEY=SECRET, ALLOWED_HOSTS="kpi.example.com",
                                   INGESTION_ENCRYPTION_KEY="ZGV2ZWxvcG1lbnQtb25seS1rcGktYm9hcmQta2V5LTA=")  # fmt: skip
    malformed = run_django_check("config.settings.production", SECRET_KEY=SECRET, ALLOWED_HOSTS="kpi.example.com",
                                 INGESTION_ENCRYPTION_KEY="not-a-key")  # fmt: skip

    assert missing.returncode != 0 and "INGESTION_ENCRYPTION_KEY must be set" in missing.stderr
    assert development.returncode != 0 and "INGESTION_ENCRYPTION_KEY must be set" in development.stderr
    assert malformed.returncode != 0 and "INGESTION_ENCRYPTION_KEY is not a Fernet key" in malformed.stderr


def test_production_starts_with_a_secret_key_and_hosts():
    result = run_django_check("config.settings.production", SECRET_KEY=SECRET, ALLOWED_HOSTS="kpi.example.com",
                              INGESTION_ENCRYPTION_KEY=ENCRYPTION_KEY)  # fmt: skip

    assert result.returncode == 0, result.stderr


def test_without_redis_url_tasks_run_inline_and_the_cache_is_files_every_process_shares(settings):
    if os.environ.get("REDIS_URL"):
        assert os.environ["REDIS_URL"] == settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    else:
        assert settings.CELERY_TASK_ALWAYS_EAGER
        assert settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache")
        assert settings.CACHES["default"]["LOCATION"] == os.environ["CACHE_DIR"]  # the run's, given to its processes


def test_production_settings_pass_the_deployment_checklist():
    result = run_django_check(
        "config.settings.production", "--deploy", "--fail-level", "WARNING", SECRET_KEY=SECRET,
        ALLOWED_HOSTS="kpi.example.com", INGESTION_ENCRYPTION_KEY=ENCRYPTION_KEY,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
