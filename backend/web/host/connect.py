""" "Connect this browser": the page the extension opens. The signed-in owner compares the
code with the one the extension shows and approves; the extension then fetches its new API
key itself (`api/browser_connect`). Approving makes an API key, so it asks for sudo like
creating one on the API keys page."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, g, render_template

from ... import db
from ...organizations import ConnectionGone, browsers
from ..security import check_csrf
from .auth import login_required
from .sudo import sudo_required

bp = Blueprint("connect", __name__, url_prefix="/connect")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _gone(state: str):
    return render_template("account/connect.html", state=state), 404 if state == "unknown" else 410


@bp.get("/<connection_id>")
@login_required
def ask(connection_id: str):
    try:
        row = browsers.pending_request(db.session(), connection_id, datetime.now(UTC))
    except ConnectionGone as exc:
        return _gone(exc.state)
    return render_template("account/connect.html", state="ask", request_row=row)


@bp.post("/<connection_id>")
@login_required
@sudo_required
def approve(connection_id: str):
    check_csrf()
    try:
        with db.write() as s:
            row = browsers.approve(s, connection_id, g.user, datetime.now(UTC))
            browser = row.browser
    except ConnectionGone as exc:
        return _gone(exc.state)
    return render_template("account/connect.html", state="done", browser=browser)
