"""Public identifiers: a type prefix and 128 random bits, so ids can't be guessed."""

import base64
import secrets


def new_id(prefix: str) -> str:
    raw = base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()
    return f"{prefix}_{raw}"
