"""Reusable booking pages: create, list, read, change (PATCH), delete. A page is a scheduling
link of kind "page" (scheduling.pages); its bookings reach /v1/events and webhooks as any
link's do."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app

from .. import db
from ..models import Account
from ..scheduling import (
    create_page,
    delete_page,
    get_page,
    list_pages,
    page_to_dict,
    page_url,
    reserved_prefixes,
    update_page,
)
from .auth import current_account, json_body, require_api_key

bp = Blueprint("api_booking_pages", __name__, url_prefix="/v1/booking_pages")
bp.before_request(require_api_key)


def _now() -> datetime:
    return datetime.now(UTC)


def reserved() -> frozenset[str]:
    """The first path segments of the app's routes: no host may take one as their slug."""
    found = current_app.extensions.get("schedlink.reserved_slugs")
    if found is None:
        found = reserved_prefixes(r.rule for r in current_app.url_map.iter_rules())
        current_app.extensions["schedlink.reserved_slugs"] = found
    return found


def _render(link, account: Account) -> dict:
    url = page_url(current_app.config["BASE_URL"], account.slug, link)
    return page_to_dict(link, url)


def _owner(s) -> Account:
    return s.get(Account, current_account().id)


@bp.post("")
def create():
    body = json_body()
    with db.write() as s:
        account = _owner(s)
        link = create_page(s, account, body, _now(), reserved())
        data = {"booking_page": _render(link, account)}
    return data, 201


@bp.get("")
def index():
    account = current_account()
    return {"booking_pages": [_render(p, account) for p in list_pages(db.session(), account)]}


@bp.get("/<booking_page_id>")
def show(booking_page_id: str):
    account = current_account()
    return {"booking_page": _render(get_page(db.session(), account, booking_page_id), account)}


@bp.patch("/<booking_page_id>")
def change(booking_page_id: str):
    body = json_body()
    with db.write() as s:
        account = _owner(s)
        page = get_page(s, account, booking_page_id, for_update=True)
        link = update_page(s, account, page, body, _now())
        data = {"booking_page": _render(link, account)}
    return data


@bp.delete("/<booking_page_id>")
def remove(booking_page_id: str):
    with db.write() as s:
        account = _owner(s)
        delete_page(s, get_page(s, account, booking_page_id, for_update=True))
    return "", 204
