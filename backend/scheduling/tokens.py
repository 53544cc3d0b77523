"""Signed, purpose-bound URL tokens that carry only an opaque id.

One salt per purpose, so a token minted for one use never verifies for another; a key
list for rotation (the newest signs, all verify). Every load passes a max_age.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

DAY = 86_400


class TokenError(Exception):
    """Base class: the token cannot be used."""


class BadToken(TokenError):
    """Tampered, truncated, forged or for another purpose: all look the same to callers."""


class TokenExpired(TokenError):
    """Genuine but older than its purpose allows. `value` is what it carries, for saying
    "this page is old" to its owner; never a reason to act on it."""

    def __init__(self, purpose: str, value: object = None):
        super().__init__(purpose)
        self.value = value


@dataclass(frozen=True)
class Purpose:
    salt: str
    max_age: int


# Versioned salts: bumping one invalidates every outstanding token of that purpose.
PURPOSES = {
    "booking": Purpose("schedlink.booking-link.v1", 400 * DAY),
    "cancel": Purpose("schedlink.booking-cancel.v1", 400 * DAY),
    "reschedule": Purpose("schedlink.booking-reschedule.v1", 400 * DAY),
    "booking-form": Purpose("schedlink.booking-form.v1", 6 * 3600),
    "confirmation": Purpose("schedlink.booking-confirmation.v1", 400 * DAY),
    # The next page of GET /v1/events: the query and where the previous page ended.
    "events-page": Purpose("schedlink.events-page.v1", DAY),
    "free-busy-page": Purpose("schedlink.free-busy-page.v1", DAY),
    # An end user's choice of conferencing provider (from the API) and a host's reconnect
    # link for a disconnected conferencing profile (userinfo, e-mail).
    "conferencing-connect": Purpose("schedlink.conferencing-connect.v1", 1 * DAY),
    "conferencing-relink": Purpose("schedlink.conferencing-relink.v1", 30 * DAY),
}


class _IssuedAtSigner(TimestampSigner):
    """Signs with a given issue time, so one link always has the same URL."""

    def __init__(self, *args, issued_at: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._issued_at = issued_at

        self._derived: dict[bytes | None, bytes] = {}

    def get_timestamp(self) -> int:
        return self._issued_at if self._issued_at is not None else super().get_timestamp()

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        # A hash of salt and key, asked for on every sign and verify: the same each time.
        cache_key = secret_key.encode() if isinstance(secret_key, str) else secret_key
        derived = self._derived.get(cache_key)
        if derived is None:
            derived = self._derived[cache_key] = super().derive_key(secret_key)
        return derived


# Shorter payloads than this go uncompressed: an opaque id (random text) never shrinks, and
# zlib.compress sets up a 256 KiB state each call (~50 us, a tenth of the booking page).
_COMPRESS_FROM = 64


class _Serializer(URLSafeTimedSerializer):
    """itsdangerous's URL-safe timed serializer with its signers kept (they hold only keys
    and salt) and short payloads not put through zlib. Tokens are the ones it always made:
    zlib is used only when it makes the token shorter, which it never did for an id."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._signers: dict = {}

    def make_signer(self, salt=None):
        signer = self._signers.get(salt)
        if signer is None:
            signer = self._signers[salt] = super().make_signer(salt)
        return signer

    def dump_payload(self, obj) -> bytes:
        json = self.serializer.dumps(obj, **self.serializer_kwargs).encode("utf-8")
        if len(json) < _COMPRESS_FROM:
            return base64_encode(json)
        return super().dump_payload(obj)


class Tokens:
    def __init__(self, secret_key: str, fallbacks: list[str] | tuple[str, ...] = ()):
        # itsdangerous signs with the last key and verifies with all of them.
        self._keys = [*reversed(list(fallbacks)), secret_key]
        # One serializer per purpose for tokens signed "now" (every booking page signs a form
        # token and verifies its link's): they hold only the keys and the salt, and making
        # them was a noticeable share of the page.
        self._current: dict[str, URLSafeTimedSerializer] = {}

    def _serializer(self, purpose: str, issued_at: int | None = None) -> URLSafeTimedSerializer:
        if issued_at is None:
            serializer = self._current.get(purpose)
            if serializer is None:
                serializer = self._current[purpose] = self._make(purpose, None)
            return serializer
        return self._make(purpose, issued_at)

    def _make(self, purpose: str, issued_at: int | None) -> URLSafeTimedSerializer:
        return _Serializer(
            self._keys,
            salt=PURPOSES[purpose].salt,
            signer=_IssuedAtSigner,
            signer_kwargs={"issued_at": issued_at},
        )

    def dumps(self, purpose: str, opaque_id: str, issued_at: int | None = None) -> str:
        """`issued_at` (epoch seconds) makes the token deterministic, e.g. a link's creation."""
        return self._serializer(purpose, issued_at).dumps(opaque_id)

    def loads(self, purpose: str, token: str) -> str:
        serializer = self._serializer(purpose)
        try:
            value = serializer.loads(token, max_age=PURPOSES[purpose].max_age)
        except SignatureExpired as exc:
            # The signature was verified before the age was checked.
            raise TokenExpired(purpose, _payload(serializer, exc.payload)) from exc
        except (BadSignature, UnicodeError, ValueError) as exc:
            raise BadToken(purpose) from exc
        if not isinstance(value, str):
            raise BadToken(purpose)
        return value


def _payload(serializer: URLSafeTimedSerializer, payload: object) -> object:
    try:
        return serializer.load_payload(payload)
    except BadSignature:  # BadPayload: signed, yet not ours to read
        return None
