"""Enterprise Connect over an API key: an organization admin connects the company's Microsoft
365 tenant (admin consent) or Google Workspace domain (a service account key), lists and
removes those connections, and authorizes members' calendars through them
(`/v1/service_account_authorizations`, Cronofy's shape). Decisions are in `organizations`."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app

from .. import db
from ..connections import EnterpriseSettings, ManagedByOrganization
from ..errors import api_error
from ..organizations import (
    EnterpriseNotFound,
    NoOrganization,
    NotAdmin,
    authorize_members,
    connection_json,
    connections_of,
    create_connection,
    delete_connection,
)
from .auth import current_account, json_body, require_api_key

CONSENT_PATH = "/enterprise/admin_consent"
bp = Blueprint("api_enterprise", __name__, url_prefix="/v1")
bp.before_request(require_api_key)


def consent_callback_url() -> str:
    """Registered with the Microsoft app as a redirect URI (web's `enterprise` page)."""
    return current_app.config["BASE_URL"] + CONSENT_PATH


@bp.errorhandler(NoOrganization)
@bp.errorhandler(EnterpriseNotFound)
def _not_found(exc):
    return api_error(404, exc.message)


@bp.errorhandler(NotAdmin)
def _forbidden(exc):
    return api_error(403, exc.message)


@bp.app_errorhandler(ManagedByOrganization)
def _managed(exc):
    """A member removing the profile their organization made (`/v1/profiles/…/revoke`)."""
    return api_error(403, exc.message)


def _me(s):
    return s.get(type(current_account()), current_account().id)


@bp.post("/organization/enterprise_connections")
def create():
    body = json_body()
    ext, config = current_app.extensions, current_app.config
    with db.write() as s:
        conn, url = create_connection(
            s,
            _me(s),
            body,
            settings=EnterpriseSettings.from_config(config),
            callback_url=consent_callback_url(),
            redirect_origins=config["REDIRECT_ORIGINS"],
            outbound=ext["schedlink.outbound"],
            sealer=ext["schedlink.sealer"],
            now=datetime.now(UTC),
        )
        if url is not None:
            return {
                "authorization_request": {"url": url},
                "enterprise_connection": connection_json(s, conn),
            }
        return {"enterprise_connection": connection_json(s, conn)}, 201


@bp.get("/organization/enterprise_connections")
def index():
    s = db.session()
    account = current_account()
    if account.organization_id is None:
        raise NoOrganization()
    if account.organization_role != "admin":
        raise NotAdmin()
    return {"enterprise_connections": [connection_json(s, c) for c in connections_of(s, account)]}


@bp.delete("/organization/enterprise_connections/<connection_id>")
def remove(connection_id: str):
    with db.write() as s:
        delete_connection(s, _me(s), connection_id)
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


@bp.post("/service_account_authorizations")
def authorize():
    body = json_body()
    ext = current_app.extensions
    with db.write() as s:
        authorize_members(
            s,
            _me(s),
            body,
            outbound=ext["schedlink.outbound"],
            sealer=ext["schedlink.sealer"],
            now=datetime.now(UTC),
        )
    response = Response(status=202)
    del response.headers["Content-Type"]
    return response
