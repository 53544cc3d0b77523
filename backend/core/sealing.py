"""Secrets at rest (OAuth tokens, CalDAV passwords): sealed with Fernet (AES-128-CBC +
HMAC-SHA256) under a key derived from the app's secret key, so a copied database alone reveals
nothing. Old secret keys (SCHEDLINK_SECRET_KEY_FALLBACKS) still open what they sealed, so key
rotation keeps connections working; new seals always use the newest key. Flask-free."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"schedlink sealing v1"


class SealBroken(Exception):
    """The sealed value was altered, or sealed under a key that is no longer configured."""


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


class Sealer:
    def __init__(self, secret_key: str, fallbacks: Sequence[str] = ()):
        self._keys = MultiFernet([_fernet(k) for k in (secret_key, *fallbacks)])

    def seal(self, plaintext: str) -> str:
        return self._keys.encrypt(plaintext.encode()).decode("ascii")

    def unseal(self, token: str) -> str:
        try:
            return self._keys.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeError) as exc:
            raise SealBroken("sealed value cannot be opened with the configured keys") from exc
