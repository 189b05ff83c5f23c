from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The scale benchmark (`manage.py bench`): a tool over every app, not a domain; it has no models."""

    name = "bench"
