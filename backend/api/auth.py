"""Bearer API-key authentication shared by every API blueprint."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import g, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import RequestEntityTooLarge, Unauthorized

from .. import db
from ..accounts import api_key_for, record_api_key_use, use_record_due
from ..core.validation import ValidationError
from ..models import Account
from .element_auth import element_request, require_element_token

log = logging.getLogger(__name__)
_BEARER = WWWAuthenticate("bearer", {"realm": "schedlink"})


def require_api_key() -> None:
    if request.method == "OPTIONS":  # CORS preflight carries no credentials
        return
    if element_request():  # ?et=: an embedded element's token, never an API key's powers
        require_element_token()
        return
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized(
            "Send your API key as 'Authorization: Bearer <key>'.", www_authenticate=_BEARER
        )
    now = datetime.now(UTC)
    found = api_key_for(db.session(), key.strip(), now)
    if found is None:
        raise Unauthorized(
            "That API key is not valid, has expired or has been revoked.",
            www_authenticate=_BEARER,
        )
    g.account = found.account
    if use_record_due(found, now):
        _record_use(found.id, now)


def _record_use(key_id: int, now: datetime) -> None:
    """Best effort: a busy database must not fail the request the key was good for."""
    try:
        with db.write() as s:
            record_api_key_use(s, key_id, now, request.remote_addr)
    except (SQLAlchemyError, db.TransactionConflict) as exc:
        log.warning("could not record the use of API key %s: %s", key_id, exc)


def current_account() -> Account:
    return g.account


MAX_DEPTH = 32  # far deeper than any request body here; deeper is refused before parsing


def _invalid_body(description: str) -> ValidationError:
    return ValidationError({"body": [{"key": "errors.invalid", "description": description}]})


def _body_bytes() -> bytes:
    """The whole body, or 413 when it is over MAX_CONTENT_LENGTH, with or without a
    Content-Length. Werkzeug stops reading a streamed (chunked) body at the limit and
    returns what it read, so a longer one would otherwise arrive cut short."""
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    streamed = limit is not None and request.content_length is None
    if streamed and len(raw) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
    return raw


def json_body() -> dict:
    raw = _body_bytes()
    if _nesting(raw) > MAX_DEPTH:
        raise _invalid_body(f"JSON may be nested at most {MAX_DEPTH} levels deep.")
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:  # a guard above should make this unreachable; never a 500
        raise _invalid_body(f"JSON may be nested at most {MAX_DEPTH} levels deep.") from None
    if not isinstance(data, dict):
        raise _invalid_body("Send a JSON object body.")
    if not _clean_text(data):
        raise _invalid_body("Text may not contain NUL or unpaired surrogates.")
    return data


def _nesting(raw: bytes) -> int:
    """The deepest [ / { nesting outside strings, read in one pass without parsing."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _clean_text(value, depth: int = 0) -> bool:
    """JSON may escape a lone surrogate (\\ud800) or NUL; neither can be stored as text."""
    if isinstance(value, str):
        return "\x00" not in value and not any("\ud800" <= ch <= "\udfff" for ch in value)
    if depth > MAX_DEPTH + 1:
        return False
    if isinstance(value, dict):
        return all(_clean_text(k, depth + 1) and _clean_text(v, depth + 1)
                   for k, v in value.items())  # fmt: skip
    if isinstance(value, list):
        return all(_clean_text(v, depth + 1) for v in value)
    return True
