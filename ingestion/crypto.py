"""Credentials of data sources, encrypted at rest with INGESTION_ENCRYPTION_KEY (Fernet: AES-128-CBC + HMAC-SHA256).

The setting may hold several keys, comma-separated, to rotate them: the first encrypts, every one decrypts, so a new
key can be put first and the old one dropped once every source has been saved again.
"""

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsError(Exception):
    """Stored credentials cannot be read with the configured key(s)."""


@lru_cache(maxsize=4)
def _fernet(keys):
    return MultiFernet([Fernet(key.strip().encode()) for key in keys.split(",") if key.strip()])


def credentials_encrypt(values):
    """The token that stores `values` (a dict of strings); empty for no credentials."""
    if not values:
        return ""
    return _fernet(settings.INGESTION_ENCRYPTION_KEY).encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def credentials_decrypt(token):
    """The dict a token stores; {} for an empty token."""
    if not token:
        return {}
    try:
        return json.loads(_fernet(settings.INGESTION_ENCRYPTION_KEY).decrypt(token.encode()))
    except InvalidToken:
        raise CredentialsError(
            "the stored credentials cannot be decrypted with INGESTION_ENCRYPTION_KEY (was the key changed?)"
        ) from None

