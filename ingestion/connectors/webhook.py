"""A webhook source: forms and chatbots push leads and conversations (ingestion.webhooks); nothing to pull."""

from .base import Connector as BaseConnector


class Connector(BaseConnector):
    kind = "webhook"
    secret_fields = ("webhook_secret",)
    required_credentials = (("secret", "webhook_secret"),)
    scheduled = False

    def records(self):
        return iter(())
