"""Keys derived from the app's secret key (and its fallbacks, for rotation): sealing TOTP
secrets at rest, and signed one-purpose tokens for password-reset and e-mail-change links."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class KeysError(Exception):
    """A sealed value or token did not open (tampered, for another purpose, or expired)."""


class TokenInvalid(KeysError):
    pass


class TokenExpired(KeysError):
    pass


def _fernet_key(secret: str) -> bytes:
    # Domain-separated from every other use of the secret key.
    digest = hashlib.sha256(b"schedlink.totp-seal.v1\x00" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest)


class Keys:
    def __init__(self, secret_key: str, fallbacks: list[str] | tuple[str, ...] = ()):
        self._secrets = [secret_key, *fallbacks]  # the first seals and signs; all open
        self._box = MultiFernet([Fernet(_fernet_key(k)) for k in self._secrets])

    def seal(self, plaintext: str) -> str:
        return self._box.encrypt(plaintext.encode()).decode()

    def unseal(self, sealed: str) -> str:
        try:
            return self._box.decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise KeysError("sealed value does not open with any configured key") from exc

    def dumps(self, purpose: str, payload) -> str:
        return URLSafeTimedSerializer(list(reversed(self._secrets)), salt=purpose).dumps(payload)

    def loads(self, purpose: str, token: str, max_age: int):
        serializer = URLSafeTimedSerializer(list(reversed(self._secrets)), salt=purpose)
        try:
            return serializer.loads(token or "", max_age=max_age)
        except SignatureExpired as exc:
            raise TokenExpired() from exc
        except (BadSignature, UnicodeError, ValueError) as exc:
            raise TokenInvalid() from exc
