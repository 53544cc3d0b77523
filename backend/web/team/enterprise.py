"""Enterprise Connect in the Team section: the admin-consent return from Microsoft (our
registered redirect URI), "connect every member", and each member's enterprise status on the
Team page. Decisions are in `organizations`."""

from __future__ import annotations

from datetime import UTC, datetime
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
from ...organizations import (
    ConsentFailed,
    NotAdmin,
    complete_consent,
    connect_every_member,
    connection_json,
    connections_of,
    member_status,
)
from ..host.auth import login_required
from ..security import check_csrf

bp = Blueprint("enterprise", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _team_enterprise():
        if not has_request_context() or request.endpoint != "team.index":
            return {}
        if not getattr(g, "user", None):
            return {}
        user = g.user
        if user.organization_id is None:
            return {}
        s = db.session()
        return {
            "enterprise_connections": [connection_json(s, c) for c in connections_of(s, user)],
            "enterprise_members": member_status(s, user.organization_id),
        }


@bp.get("/enterprise/admin_consent")
def admin_consent():
    """Microsoft sends the admin's browser here: `admin_consent=True&tenant=…&state=…`, or
    `error=…&error_description=…&state=…`. The connection's state is used once."""
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
    except ConsentFailed as exc:
        return {"error": "invalid_state", "message": exc.message}, 400
    params = {"enterprise_connection_id": public_id}
    params.update({"error": error} if error else {"status": "active"})
    joiner = "&" if "?" in (target or "") else "?"
    return redirect(f"{target}{joiner}{urlencode(params)}", 303)


@bp.post("/profile/team/enterprise/connect_all")
@login_required
def connect_all():
    check_csrf()

    try:
        with db.write() as s:
            me = s.get(type(g.user), g.user.id)
            count = connect_every_member(
                s, me, current_app.extensions["schedlink.sealer"], datetime.now(UTC)
            )
    except NotAdmin as exc:
        flash(exc.message)
    else:
        flash(f"Connecting {count} member{'s' if count != 1 else ''} through Enterprise Connect.")
    return redirect(url_for("team.index") + "#enterprise", 303)
