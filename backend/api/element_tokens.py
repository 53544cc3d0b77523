"""Element tokens with an API key: make one for an embedded UI Element (`POST`, Cronofy's
shape), list the live ones (never the secret) and revoke one (401 for it at once)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.exceptions import NotFound

from .. import db
from ..accounts import (
    ElementTokenError,
    create_element_token,
    element_token_to_dict,
    live_element_tokens,
    revoke_element_token,
)
from ..core.validation import ValidationError
from ..models import Account
from .auth import current_account, json_body, require_api_key

bp = Blueprint("api_element_tokens", __name__, url_prefix="/v1")
bp.before_request(require_api_key)
PAGE_SIZE = 100
MAX_PAGE = 10_000


@bp.post("/element_tokens")
def create():
    body = json_body()
    with db.write() as s:
        try:
            issued = create_element_token(s, s.get(Account, current_account().id), body)
        except ElementTokenError as exc:
            raise ValidationError(exc.errors) from exc
    return {"element_token": issued.as_dict()}


@bp.get("/element_tokens")
def index():
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_PAGE else None
    if page is None:
        raise ValidationError(
            {"page": [{"key": "errors.invalid", "description": "a page number from 1"}]}
        )
    tokens, total = live_element_tokens(
        db.session(), current_account(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    pages = {"current": page, "total": max(1, -(-total // PAGE_SIZE))}
    if page < pages["total"]:
        pages["next_page"] = current_app.config["BASE_URL"] + url_for(
            "api_element_tokens.index", page=page + 1
        )
    return {"pages": pages, "element_tokens": [element_token_to_dict(t) for t in tokens]}


@bp.delete("/element_tokens/<element_token_id>")
def revoke(element_token_id: str):
    with db.write() as s:
        if not revoke_element_token(s, s.get(Account, current_account().id), element_token_id):
            raise NotFound("No live element token with that id.")
    response = Response(status=202)
    del response.headers["Content-Type"]
    return response
