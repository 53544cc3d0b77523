"""GET /v1/userinfo: who the API key belongs to."""

from flask import Blueprint

from .. import db
from ..accounts import local_calendar
from .auth import current_account, require_api_key
from .conferencing import profiles_json

bp = Blueprint("api_account", __name__, url_prefix="/v1")
bp.before_request(require_api_key)


@bp.get("/userinfo")
def userinfo():
    account = current_account()
    calendar = local_calendar(db.session(), account)
    return {
        "sub": account.sub,
        "email": account.email,
        "name": account.name,
        "tzid": account.tzid,
        "calendars": [
            {
                "calendar_id": calendar.public_id,
                "calendar_name": calendar.name,
                "provider_name": "schedlink",
                "calendar_readonly": False,
                "calendar_primary": True,
            }
        ],
        "conferencing_profiles": profiles_json(account),
    }
