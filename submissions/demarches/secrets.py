"""The procedures' API tokens are stored encrypted (Fernet), never shown again once saved."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = settings.RELANCE_DS_TOKEN_KEY
    if not key:
        # Derived from SECRET_KEY, so a deployment needs no other secret by default.
        digest = hashlib.sha256(f"relance-ds-token:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest)
    return Fernet(key)


def encrypt(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


def decrypt(stored: str) -> str | None:
    """The clear token, or ``None`` when the key changed since it was stored."""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except (InvalidToken, ValueError):
        return None
