import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_django_check(settings, *options, **env):
    # Only what a production process would have: no secrets of ours, no test-only switches.
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(DJANGO_SETTINGS_MODULE=settings, **env)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", *options], cwd=ROOT, env=environment, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_production_refuses_to_start_without_a_secret_key():
    result = run_django_check("config.settings.production", ALLOWED_HOSTS="kpi.example.com")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_secret_key_and_hosts():
    result = run_django_check("config.settings.production", SECRET_KEY="x" * 50, ALLOWED_HOSTS="kpi.example.com")

    assert result.returncode == 0, result.stderr


def test_without_redis_url_tasks_run_inline_and_the_cache_is_local(settings):
    if os.environ.get("REDIS_URL"):
        assert os.environ["REDIS_URL"] == settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    else:
        assert settings.CELERY_TASK_ALWAYS_EAGER
        assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


def test_production_settings_pass_the_deployment_checklist():
    secret = "a-long-random-production-secret-" * 2
    result = run_django_check(
        "config.settings.production", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secret,
        ALLOWED_HOSTS="kpi.example.com",
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
