"""POST /v1/markup/parse: the contacts a page fragment carries."""

from flask import Blueprint, current_app

from ..core.validation import ValidationError
from ..errors import api_error
from ..markup import MarkupTooLarge, MarkupUnreadable, parse_contacts
from .auth import json_body, require_api_key

bp = Blueprint("api_markup", __name__, url_prefix="/v1/markup")
bp.before_request(require_api_key)


@bp.post("/parse")
def parse():
    body = json_body()
    html, url = body.get("html"), body.get("url")
    errors = {}
    if not isinstance(html, str):
        errors["html"] = [{"key": "errors.required", "description": "html must be a string."}]
    if url is not None and (not isinstance(url, str) or len(url) > 2000):
        errors["url"] = [{"key": "errors.invalid", "description": "url must be a string."}]
    if errors:
        raise ValidationError(errors)
    max_bytes = current_app.config["MARKUP_MAX_BYTES"]
    try:
        result = parse_contacts(html, url, max_bytes=max_bytes)
    except MarkupTooLarge:
        # Whole pages are a developer's tool; the extension sends candidate fragments only.
        size = len(html.encode("utf-8", "replace"))
        return api_error(
            413,
            f"html is {size:,} UTF-8 bytes; this endpoint reads at most {max_bytes:,}. "
            "Send the part of the page around the contact, as the browser extension does.",
        )
    except MarkupUnreadable as exc:
        raise ValidationError(
            {"html": [{"key": "errors.invalid", "description": str(exc)}]}
        ) from exc
    return {"contacts": [c.to_dict() for c in result.contacts], "warnings": result.warnings}
