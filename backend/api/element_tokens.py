"""POST /v1/element_tokens: an API key makes a short-lived token for an embedded UI Element."""

from __future__ import annotations

from flask import Blueprint

from .. import db
from ..accounts import ElementTokenError, create_element_token
from ..core.validation import ValidationError
from ..models import Account
from .auth import current_account, json_body, require_api_key

bp = Blueprint("api_element_tokens", __name__, url_prefix="/v1")
bp.before_request(require_api_key)


@bp.post("/element_tokens")
def create():
    body = json_body()
    with db.write() as s:
        try:
            issued = create_element_token(s, s.get(Account, current_account().id), body)
        except ElementTokenError as exc:
            raise ValidationError(exc.errors) from exc
    return {"element_token": issued.as_dict()}
