"""Enterprise Connect in the Team section: what the Team page shows (each connection and its
status, each member's status), and the admin-consent return from Microsoft (our registered
redirect URI). The admin's forms are in `enterprise_admin`; decisions are in `organizations`."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    request,
    url_for,
)

from ... import db
from ...connections import EnterpriseSettings
from ...organizations import (
    RETRYABLE,
    ConsentFailed,
    complete_consent,
    connection_json,
    connections_of,
    member_states,
    members,
)
from ..security import allow_form_actions

bp = Blueprint("enterprise", __name__)
# How the Team page names each member's state (organizations.member_states).
STATE_LABELS = {
    "connected": "Connected",
    "connecting": "Connecting (first sync to come)",
    "not_in_tenant": "Not in the tenant",
    "no_mailbox": "No mailbox",
    "consent_missing": "Consent missing",
    "disconnected": "Disconnected",
    "not_connected": "Not connected yet",
    "not_served": "No connection serves this address",
}


def team_page_url() -> str:
    """Where the Microsoft consent started from the Team page comes back to."""
    return current_app.config["BASE_URL"] + url_for("team.index")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _team_enterprise():
        # Every Team page, including one re-shown with a form's errors.
        if not has_request_context() or request.blueprint != "team":
            return {}
        user = getattr(g, "user", None)
        if not user or user.organization_id is None or user.organization_role != "admin":
            return {}
        s = db.session()
        settings = EnterpriseSettings.from_config(current_app.config)
        if settings.microsoft_ready:  # the Connect form's answer goes on to Microsoft's login
            allow_form_actions([settings.login])
        return {
            "enterprise_connections": [connection_json(s, c) for c in connections_of(s, user)],
            "enterprise_members": member_states(
                s, user.organization_id, members(s, user.organization_id)
            ),
            "enterprise_labels": STATE_LABELS,
            "enterprise_retryable": RETRYABLE,
            "microsoft_ready": settings.microsoft_ready,
        }


@bp.get("/enterprise/admin_consent")
def admin_consent():
    """Microsoft sends the admin's browser here: `admin_consent=True&tenant=…&state=…`, or
    `error=…&error_description=…&state=…`. The connection's state is used once. A consent
    started from the Team page goes back there with a message; the API's, to its
    `redirect_uri` with the outcome in the query."""
    args = request.args
    try:
        with db.write() as s:
            conn, error = complete_consent(
                s,
                args.get("state"),
                admin_consent=args.get("admin_consent"),
                tenant=args.get("tenant"),
                error=args.get("error"),
                description=args.get("error_description"),
            )
            target, public_id = conn.redirect_uri, conn.public_id
            tenant, reason = conn.tenant, conn.disconnected_reason
    except ConsentFailed as exc:
        return {"error": "invalid_state", "message": exc.message}, 400
    if target == team_page_url():
        if error:
            flash(f"Microsoft 365 tenant {tenant} not connected. {reason}")
        else:
            flash(f"Microsoft 365 tenant {tenant} connected. Now connect its members.")
        return redirect(url_for("team.index") + "#enterprise", 303)
    params = {"enterprise_connection_id": public_id}
    params.update({"error": error} if error else {"status": "active"})
    joiner = "&" if "?" in (target or "") else "?"
    return redirect(f"{target}{joiner}{urlencode(params)}", 303)
