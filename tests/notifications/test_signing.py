"""Signatures against published vectors and an independent verifier (the `standardwebhooks`
package), including the two-secret rotation form of both headers."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook, WebhookVerificationError

from backend.notifications import (
    cronofy_signature,
    new_secret,
    signature_headers,
    standard_signature,
)

# Cronofy's published vectors for Cronofy-HMAC-SHA256 (client secret, body, digest).
CRONOFY_VECTORS = [
    ("CRN_NggYusqPGLxwjw5FHOJYOqSrTPNXy8WQf14OID", b'{"example":"well-known"}',
     "5DxentQi5YSXODEzTVv06sRwJ3pULIz1KrYv20qxEK0="),
    ("CRN_nGlYDFXwfSXgB9rvGNBJyfE454GGPtWIbNuPwr", b'{"example":"well-known"}',
     "BmQmWVuZ70ILWjr1CAt5oC7YOolgnku4WZtlrKfx/6k="),
]  # fmt: skip
# The Standard Webhooks reference example (secret, id, timestamp, body, signature).
STANDARD_VECTOR = (
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "msg_p5jXN8AQM9LWM0D4loKWxJek",
    1614265330,
    b'{"test": 2432232314}',
    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
)


@pytest.mark.parametrize(("secret", "body", "digest"), CRONOFY_VECTORS)
def test_cronofy_published_vectors(secret, body, digest):
    assert cronofy_signature(secret, body) == digest


def test_standard_webhooks_reference_vector():
    secret, msg_id, timestamp, body, expected = STANDARD_VECTOR
    assert standard_signature(secret, msg_id, timestamp, body) == expected


def test_secret_shape():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret


def _verify(secret: str, headers: dict, body: bytes) -> object:
    return Webhook(secret).verify(body, headers)


@given(
    body=st.binary(min_size=0, max_size=2000).map(lambda b: b'{"x":"' + b.hex().encode() + b'"}')
)
def test_standardwebhooks_package_verifies_what_we_sign(body):
    secret = new_secret()
    now = int(datetime.now(UTC).timestamp())
    headers = signature_headers([secret], "msg_abc", now, body)
    assert _verify(secret, headers, body) == {"x": body[6:-2].decode()}
    with pytest.raises(WebhookVerificationError):
        _verify(new_secret(), headers, body)
    with pytest.raises(WebhookVerificationError):
        _verify(secret, headers, body + b" ")


def test_rotation_headers_carry_both_secrets_in_both_schemes():
    new, old = new_secret(), new_secret()
    body = b'{"notification":{"type":"verification"}}'
    now = int(datetime.now(UTC).timestamp())
    headers = signature_headers([new, old], "msg_1", now, body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    _verify(new, headers, body)
    _verify(old, headers, body)
    cronofy = headers["Cronofy-HMAC-SHA256"].split(",")
    for secret in (new, old):
        expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
        assert expected.decode() in cronofy
    # A stale timestamp is refused by the receiver's library (replay protection).
    stale = signature_headers([new], "msg_1", now - 3600, body)
    with pytest.raises(WebhookVerificationError):
        _verify(new, stale, body)
