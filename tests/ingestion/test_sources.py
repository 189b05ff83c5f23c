"""Registering a source: secrets are stored encrypted, never in the readable configuration."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from ingestion.connectors import connector_class
from ingestion.crypto import credentials_decrypt
from ingestion.models import DataSource
from ingestion.services import source_register

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", ["api_key", "apiKey", "password", "private_token", "x-auth-secret", "Client-Secret-2"])
def test_a_config_key_that_looks_like_a_secret_is_refused_not_stored_in_clear(franchisee_lille, key):
    with pytest.raises(ValidationError) as error:
        source_register(slug="bot-lille", kind="chatbot", node=franchisee_lille,
                        config={"url": "https://bot.example/api", key: "s3cr3t-value"})  # fmt: skip

    message = " ".join(error.value.messages)
    assert key in message and "--secret" in message
    assert all(field in message for field in connector_class("chatbot").secret_fields)
    assert not DataSource.objects.exists()


def test_the_connectors_own_secret_fields_go_to_the_encrypted_credentials(franchisee_lille):
    source, _ = source_register(slug="bot-lille", kind="chatbot", node=franchisee_lille,
                                config={"url": "https://bot.example/api", "api_token": "tok-123",
                                        "token_url": "https://bot.example/token", "client_id": "c-1"})  # fmt: skip

    assert "tok-123" not in json.dumps(source.config) and "tok-123" not in source.credentials
    assert credentials_decrypt(source.credentials)["api_token"] == "tok-123"
    assert source.config == {"url": "https://bot.example/api", "token_url": "https://bot.example/token",
                             "client_id": "c-1"}  # addresses and ids stay readable


def test_add_source_says_where_a_secret_goes(franchisee_lille):
    with pytest.raises(CommandError) as error:
        call_command("add_source", "bot-lille", "--kind", "chatbot", "--node", "lille",
                     "--config", json.dumps({"url": "https://bot.example/api", "password": "hunter2"}))  # fmt: skip

    assert "password" in str(error.value) and "hunter2" not in str(error.value)
