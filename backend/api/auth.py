"""Bearer API-key authentication shared by every API blueprint."""

from __future__ import annotations

from flask import g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from .. import db
from ..accounts import account_for_api_key
from ..models import Account
from ..validation import ValidationError

_BEARER = WWWAuthenticate("bearer", {"realm": "schedlink"})


def require_api_key() -> None:
    if request.method == "OPTIONS":  # CORS preflight carries no credentials
        return
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized(
            "Send your API key as 'Authorization: Bearer <key>'.", www_authenticate=_BEARER
        )
    account = account_for_api_key(db.session(), key.strip())
    if account is None:
        raise Unauthorized(
            "That API key is not valid or has been revoked.", www_authenticate=_BEARER
        )
    g.account = account


def current_account() -> Account:
    return g.account


def json_body() -> dict:
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise ValidationError(
            {"body": [{"key": "errors.invalid", "description": "Send a JSON object body."}]}
        )
    if not _clean_text(data):
        raise ValidationError(
            {"body": [{"key": "errors.invalid",
                       "description": "Text may not contain NUL or unpaired surrogates."}]}
        )  # fmt: skip
    return data


def _clean_text(value, depth: int = 0) -> bool:
    """JSON may escape a lone surrogate (\\ud800) or NUL; neither can be stored as text."""
    if isinstance(value, str):
        return "\x00" not in value and not any("\ud800" <= ch <= "\udfff" for ch in value)
    if depth > 64:
        return False
    if isinstance(value, dict):
        return all(_clean_text(k, depth + 1) and _clean_text(v, depth + 1)
                   for k, v in value.items())  # fmt: skip
    if isinstance(value, list):
        return all(_clean_text(v, depth + 1) for v in value)
    return True
