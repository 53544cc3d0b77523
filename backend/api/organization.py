"""The caller's organization over an API key: read it, invite (admins), read and revoke
invitations, remove members (admins). Roles are decided in `organizations`, not here."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response

from .. import db
from ..errors import api_error
from ..models import Organization
from ..organizations import (
    InvitationNotFound,
    LastAdmin,
    MemberNotFound,
    NoOrganization,
    NotAdmin,
    get_invitation,
    invitation_json,
    invite,
    organization_json,
    pending,
    remove_member,
    revoke,
)
from .auth import current_account, json_body, require_api_key

bp = Blueprint("api_organization", __name__, url_prefix="/v1/organization")
bp.before_request(require_api_key)


def _now() -> datetime:
    return datetime.now(UTC)


@bp.errorhandler(NoOrganization)
@bp.errorhandler(InvitationNotFound)
@bp.errorhandler(MemberNotFound)
def _not_found(exc):
    return api_error(404, exc.message)


@bp.errorhandler(NotAdmin)
def _forbidden(exc):
    return api_error(403, exc.message)


@bp.errorhandler(LastAdmin)
def _conflict(exc):
    return api_error(409, exc.message)


def _no_content() -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


@bp.get("")
def show():
    account = current_account()
    if account.organization_id is None:
        raise NoOrganization()
    s = db.session()
    return {"organization": organization_json(s, s.get(Organization, account.organization_id))}


@bp.post("/invitations")
def create_invitation():
    body = json_body()
    now = _now()
    with db.write() as s:
        account = s.get(type(current_account()), current_account().id)
        invitation = invite(s, account, body.get("email"), body.get("role", "member"), now)
        return {"invitation": invitation_json(invitation, now)}, 201


@bp.get("/invitations")
def list_invitations():
    account = current_account()
    if account.organization_id is None:
        raise NoOrganization()
    now = _now()
    rows = pending(db.session(), account.organization_id, now)
    return {"invitations": [invitation_json(i, now) for i in rows]}


@bp.get("/invitations/<invitation_id>")
def show_invitation(invitation_id: str):
    invitation = get_invitation(db.session(), current_account(), invitation_id)
    return {"invitation": invitation_json(invitation, _now())}


@bp.delete("/invitations/<invitation_id>")
def delete_invitation(invitation_id: str):
    with db.write() as s:
        revoke(s, s.get(type(current_account()), current_account().id), invitation_id, _now())
    return _no_content()


@bp.delete("/members/<sub>")
def delete_member(sub: str):
    with db.write() as s:
        remove_member(s, s.get(type(current_account()), current_account().id), sub)
    return _no_content()
