"""GET /v1/free_busy, Cronofy-shaped: the account's busy blocks, paged like /v1/events
(`pages.next_page` is an absolute URL to GET with the same key, or with the same `?et=`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, request, url_for
from werkzeug.exceptions import NotFound

from .. import db
from ..calendars import count_events, read_events
from ..core.ids import looks_like_id
from ..core.validation import ValidationError, format_utc, is_tzid, parse_utc
from ..scheduling import BadToken, TokenExpired
from .auth import current_account, require_api_key
from .calendars import _bound
from .element_auth import current_element_token, element_token

bp = Blueprint("api_free_busy", __name__, url_prefix="/v1")
bp.before_request(require_api_key)

SALT = "free-busy-page"
MAX_CALENDAR_IDS = 100


def _calendar_ids() -> list[str] | None:
    ids = request.args.getlist("calendar_ids[]") or request.args.getlist("calendar_ids")
    if len(ids) > MAX_CALENDAR_IDS:
        raise ValidationError(
            {"calendar_ids": [{"key": "errors.too_many",
                               "description": f"at most {MAX_CALENDAR_IDS} calendar ids"}]}
        )  # fmt: skip
    # Only id-shaped values can match (and NUL never reaches the database); none left
    # matches nothing rather than everything.
    if ids:
        ids = [i for i in ids if looks_like_id(i, "cal")] or ["cal_none"]
    return ids or None


@bp.get("/free_busy")
@element_token("agenda")
def free_busy():
    account = current_account()
    tzid = request.args.get("tzid") or account.tzid
    if not is_tzid(tzid):
        raise ValidationError(
            {"tzid": [{"key": "errors.invalid", "description": "Unknown time zone."}]}
        )
    start = _bound("from", tzid) or datetime.now(UTC)
    end = _bound("to", tzid) or start + timedelta(days=30)
    return _page(account, start, end, 1, None, _calendar_ids())


@bp.get("/free_busy/pages/<page_token>")
@element_token("agenda")
def free_busy_page(page_token: str):
    try:
        cursor = json.loads(current_app.extensions["schedlink.tokens"].loads(SALT, page_token))
        if cursor["account"] != current_account().id:
            raise ValueError("another account's page")
        start, end = parse_utc(cursor["from"]), parse_utc(cursor["to"])
        after = (parse_utc(cursor["after"][0]), int(cursor["after"][1]))
        page, ids = int(cursor["page"]), cursor.get("calendar_ids")
        if start is None or end is None or after[0] is None:
            raise ValueError("a malformed cursor")
    except (BadToken, TokenExpired, ValueError, KeyError, TypeError, IndexError):
        raise NotFound("That page does not exist or has expired; read from the start.") from None
    return _page(current_account(), start, end, page, after, ids)


def _status(event) -> str:
    if event.transparency != "opaque" or event.participation_status == "declined":
        return "free"
    if event.status == "tentative" or event.participation_status == "tentative":
        return "tentative"
    return "busy"


def _page(account, start, end, page: int, after, calendar_ids) -> dict:
    size = current_app.config["EVENTS_PAGE_SIZE"]
    s = db.session()
    rows = read_events(s, account, start, end, limit=size + 1, after=after,
                       calendar_ids=calendar_ids)  # fmt: skip
    more, rows = len(rows) > size, rows[:size]
    remaining = count_events(s, account, start, end, after=after, calendar_ids=calendar_ids)
    pages = {"current": page, "total": page + max(0, -(-remaining // size) - 1)}
    if more:
        last = rows[-1][0]
        cursor = {
            "account": account.id, "from": start.astimezone(UTC).isoformat(),
            "to": end.astimezone(UTC).isoformat(),
            "after": [last.start_at.astimezone(UTC).isoformat(), last.id], "page": page + 1,
            "calendar_ids": calendar_ids,
        }  # fmt: skip
        token = current_app.extensions["schedlink.tokens"].dumps(SALT, json.dumps(cursor))
        # An element (the Agenda) follows next_page as it is: it keeps the element token.
        et = {"et": request.args["et"]} if current_element_token() is not None else {}
        pages["next_page"] = current_app.config["BASE_URL"] + url_for(
            "api_free_busy.free_busy_page", page_token=token, **et
        )
    return {
        "pages": pages,
        "free_busy": [
            {
                "calendar_id": calendar_id,
                "start": format_utc(event.start_at),
                "end": format_utc(event.end_at),
                "free_busy_status": _status(event),
            }
            for event, calendar_id in rows
        ],
    }
