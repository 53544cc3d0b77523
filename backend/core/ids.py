"""Public identifiers: a type prefix and 128 random bits, so ids can't be guessed."""

import base64
import re
import secrets

_SHAPE = re.compile(r"[a-z]{2,4}_[a-z2-7]{26}")


def looks_like_id(value: str, prefix: str) -> bool:
    """Shape check before a lookup: anything else (NUL, huge strings) is simply not found."""
    return value.startswith(prefix + "_") and _SHAPE.fullmatch(value) is not None


def new_id(prefix: str) -> str:
    raw = base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()
    return f"{prefix}_{raw}"
