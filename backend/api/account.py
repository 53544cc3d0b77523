"""GET /v1/userinfo: who the API key belongs to. GET/PATCH /v1/account: the editable profile
(name, time zone, 12/24-hour default), never a secret. The sign-in e-mail address is not
changed here: an API key alone must not be enough to take the account over."""

from flask import Blueprint

from .. import db
from ..accounts import mfa_enabled, profile_fields, update_profile
from ..calendars import all_calendars
from ..core.validation import FieldErrors
from ..errors import api_error
from ..models import Account
from .auth import current_account, json_body, require_api_key
from .conferencing import profiles_json
from .element_auth import element_may, element_token
from .profiles import cronofy_profiles

# What an API key may do: everything Cronofy's full scope names (there is no narrower key).
SCOPE = "read_account list_calendars read_events create_event delete_event read_free_busy"

bp = Blueprint("api_account", __name__, url_prefix="/v1")
bp.before_request(require_api_key)

EDITABLE = ("name", "tzid", "hour_format")
EMAIL_ON_PROFILE = (
    "The sign-in e-mail address can't be changed with an API key; change it on the profile "
    "page (/profile), which asks for your password."
)


@bp.get("/userinfo")
@element_token("availability", "managed_availability", "agenda", "account_management")
def userinfo():
    account = current_account()
    if not element_may("account_management"):  # an element sees who, not what is connected
        who = {"sub": account.sub, "name": account.name, "tzid": account.tzid}
        if element_may("managed_availability"):
            # Cronofy's Rules element lists the calendars a rule may count: names and ids
            # of the token maker's own calendars (the permission is for the caller alone).
            who["cronofy.data"] = {"profiles": _rule_calendars(account)}
        return who
    conferencing_profiles = profiles_json(account)
    return {
        "sub": account.sub,
        "email": account.email,
        "name": account.name,
        "tzid": account.tzid,
        # The local calendar first, then every calendar of a connected calendar service.
        "calendars": all_calendars(db.session(), account),
        "conferencing_profiles": conferencing_profiles,
        # Cronofy's OpenID-style keys (dots in the names, as Cronofy sends them).
        "zoneinfo": account.tzid,
        "cronofy.type": "account",
        "cronofy.data": {
            "authorization": {"scope": SCOPE, "status": "active"},
            "profiles": cronofy_profiles(account, with_calendars=True),
            "conferencing_profiles": conferencing_profiles,
        },
    }


def _rule_calendars(account: Account) -> list[dict]:
    keep = ("calendar_id", "calendar_name", "calendar_deleted")
    return [
        {
            "profile_id": p["profile_id"],
            "profile_name": p["profile_name"],
            "provider_name": p["provider_name"],
            "profile_calendars": [{k: c[k] for k in keep} for c in p["profile_calendars"]],
        }
        for p in cronofy_profiles(account, with_calendars=True)
    ]


def _account_body(s, account: Account) -> dict:
    body = {
        # Cronofy's account fields (pycronofy's account(), the Node SDK's accountInformation)
        "account_id": account.sub,
        "scope": SCOPE,
        "default_tzid": account.tzid,
        **profile_fields(account),
        "mfa_enabled": mfa_enabled(s, account),
        "pending_email": account.pending_email,
    }
    return {"account": body}


@bp.get("/account")
def get_account():
    return _account_body(db.session(), current_account())


@bp.patch("/account")
def patch_account():
    data = json_body()
    if "email" in data:
        return api_error(403, EMAIL_ON_PROFILE)
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        errors = FieldErrors()
        for field in unknown:
            errors.add(field, "unknown", f"{field!r} can't be changed here.")
        errors.raise_if_any()
    with db.write() as s:
        account = s.get(Account, current_account().id)
        update_profile(account, data)
        return _account_body(s, account)
