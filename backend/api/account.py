"""GET /v1/userinfo: who the API key belongs to. GET/PATCH /v1/account: the editable profile
(name, time zone, 12/24-hour default, e-mail address), never a secret."""

from flask import Blueprint

from .. import db
from ..accounts import (
    EmailTaken,
    mfa_enabled,
    profile_fields,
    request_email_change,
    update_profile,
)
from ..calendars import all_calendars
from ..errors import api_error
from ..models import Account
from ..text import normalize_email
from ..validation import FieldErrors
from .auth import current_account, json_body, require_api_key
from .conferencing import profiles_json

bp = Blueprint("api_account", __name__, url_prefix="/v1")
bp.before_request(require_api_key)

EDITABLE = ("name", "tzid", "hour_format", "email")


@bp.get("/userinfo")
def userinfo():
    account = current_account()
    return {
        "sub": account.sub,
        "email": account.email,
        "name": account.name,
        "tzid": account.tzid,
        # The local calendar first, then every calendar of a connected calendar service.
        "calendars": all_calendars(db.session(), account),
        "conferencing_profiles": profiles_json(account),
    }


def _account_body(s, account: Account, pending_email: str | None = None) -> dict:
    body = {
        **profile_fields(account),
        "mfa_enabled": mfa_enabled(s, account),
        "pending_email": pending_email,
    }
    return {"account": body}


@bp.get("/account")
def get_account():
    return _account_body(db.session(), current_account())


@bp.patch("/account")
def patch_account():
    data = json_body()
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        errors = FieldErrors()
        for field in unknown:
            errors.add(field, "unknown", f"{field!r} can't be changed here.")
        errors.raise_if_any()
    pending = None
    try:
        with db.write() as s:
            account = s.get(Account, current_account().id)
            update_profile(account, data)
            if "email" in data and (
                not isinstance(data["email"], str)
                or normalize_email(data["email"]) != account.email
            ):
                # Like the profile page: a link to the new address, a notice to the old one.
                pending = request_email_change(s, account, data["email"])
            body = _account_body(s, account, pending)
    except EmailTaken:
        return api_error(409, "That e-mail address belongs to another account.")
    return body
