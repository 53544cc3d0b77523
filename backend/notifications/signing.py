"""Signing a delivery two ways: Standard Webhooks (`webhook-id`, `webhook-timestamp`,
`webhook-signature`) and Cronofy's `Cronofy-HMAC-SHA256`, with every secret that is active
(two during a rotation)."""

from __future__ import annotations

import base64
import functools
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (the spec asks for 24 to 64)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


@functools.lru_cache(maxsize=256)
def _key(secret: str) -> bytes:
    """The HMAC key inside a secret; decoded once per secret, not once per delivery."""
    return base64.b64decode(secret.removeprefix(PREFIX))


def standard_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.digest(_key(secret), signed, "sha256")  # the one-shot C path
    return "v1," + base64.b64encode(digest).decode()


def cronofy_signature(secret: str, body: bytes) -> str:
    # Cronofy keys the HMAC with the secret string itself (its client secret), not decoded.
    digest = hmac.digest(secret.encode(), body, "sha256")
    return base64.b64encode(digest).decode()


def signature_headers(
    secrets_: list[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Headers for one attempt; `secrets_` newest first."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            standard_signature(s, msg_id, timestamp, body) for s in secrets_
        ),
        "Cronofy-HMAC-SHA256": ",".join(cronofy_signature(s, body) for s in secrets_),
    }
