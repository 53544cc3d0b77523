"""The default conferencing service that needs no set-up: a Jitsi Meet link. No API call;
the room name is the secret, so it is random (160 bits) and lower-case base32, because
Jitsi lower-cases room names (mixed-case alphabets would lose entropy and collide)."""

from __future__ import annotations

import base64
import secrets
from urllib.parse import urlsplit

DEFAULT_URL = "https://meet.jit.si"
DESCRIPTION = "Jitsi Meet"


def check_base_url(url: str) -> str:
    """https (http only for loopback test servers), no query or fragment; a tenant path such
    as https://meet.example.org/acme is allowed. Raises ValueError for anything else."""
    parts = urlsplit(url or "")
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValueError(f"SCHEDLINK_JITSI_URL must be an https URL, not {url!r}")
    if not parts.hostname or parts.query or parts.fragment or parts.username:
        raise ValueError(f"SCHEDLINK_JITSI_URL must be a plain base URL, not {url!r}")
    return url.rstrip("/")


def room_name() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=").lower()


def meeting_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/{room_name()}"
