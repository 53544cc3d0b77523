"""Bearer API-key authentication shared by every API blueprint."""

from __future__ import annotations

from flask import g, request
from werkzeug.exceptions import Unauthorized

from .. import db
from ..accounts import account_for_api_key
from ..models import Account
from ..validation import ValidationError


def require_api_key() -> None:
    if request.method == "OPTIONS":  # CORS preflight carries no credentials
        return
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Send your API key as 'Authorization: Bearer <key>'.")
    account = account_for_api_key(db.session(), key.strip())
    if account is None:
        raise Unauthorized("That API key is not valid or has been revoked.")
    g.account = account


def current_account() -> Account:
    return g.account


def json_body() -> dict:
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise ValidationError(
            {"body": [{"key": "errors.invalid", "description": "Send a JSON object body."}]}
        )
    return data
