"""Keys derived from the app's secret key (and its fallbacks, for rotation): sealing TOTP
secrets at rest (with the shared `sealing.Sealer`), and signed one-purpose tokens for
password-reset and e-mail-change links."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..core.sealing import SealBroken, Sealer


class KeysError(Exception):
    """A sealed value or token did not open (tampered, for another purpose, or expired)."""


class TokenInvalid(KeysError):
    pass


class TokenExpired(KeysError):
    pass


class Keys:
    def __init__(self, secret_key: str, fallbacks: list[str] | tuple[str, ...] = ()):
        self._secrets = [secret_key, *fallbacks]  # the first seals and signs; all open
        self._sealer = Sealer(secret_key, fallbacks)

    def seal(self, plaintext: str) -> str:
        return self._sealer.seal(plaintext)

    def unseal(self, sealed: str) -> str:
        try:
            return self._sealer.unseal(sealed)
        except SealBroken as exc:
            raise KeysError(str(exc)) from exc

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
