"""The Team page's Enterprise Connect forms, for the organization's admins: connect the
Microsoft 365 tenant (off to Microsoft's admin-consent page and back), upload a Google
Workspace service account's JSON key (checked on upload, sealed, never shown again), remove a
connection after a confirmation that says what goes with it, connect every member, and try
one member again. Decisions are in `organizations`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from ... import db
from ...connections import EnterpriseSettings
from ...core.validation import ValidationError
from ...models import Account
from ...organizations import (
    EnterpriseNotFound,
    OrganizationError,
    connect_every_member,
    connection_json,
    create_connection,
    delete_connection,
    get_connection,
    retry_member,
)
from ..host.auth import login_required
from ..host.sudo import sudo_required
from ..security import check_csrf
from .enterprise import team_page_url

bp = Blueprint("enterprise_admin", __name__, url_prefix="/profile/team/enterprise")
MAX_KEY_BYTES = 64 * 1024  # a service account key is about 2.3 KB


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _now() -> datetime:
    return datetime.now(UTC)


def _back():
    return redirect(url_for("team.index") + "#enterprise", 303)


def _messages(exc: ValidationError) -> str:
    return " ".join(item["description"] for items in exc.errors.values() for item in items)


def _create(body: dict):
    ext, config = current_app.extensions, current_app.config
    with db.write() as s:
        return create_connection(
            s,
            s.get(Account, g.user.id),
            body,
            settings=EnterpriseSettings.from_config(config),
            callback_url=config["BASE_URL"] + url_for("enterprise.admin_consent"),
            redirect_origins=config["REDIRECT_ORIGINS"],
            outbound=ext["schedlink.outbound"],
            sealer=ext["schedlink.sealer"],
            now=_now(),
        )


@bp.post("/microsoft")
@login_required
@sudo_required
def connect_microsoft():
    """Off to Microsoft's admin-consent page; `enterprise.admin_consent` brings the admin back."""
    check_csrf()
    body = {
        "provider_name": "microsoft",
        "tenant": request.form.get("tenant", ""),
        "redirect_uri": team_page_url(),
    }
    try:
        _conn, url = _create(body)
    except ValidationError as exc:
        flash(f"Microsoft 365 not connected: {_messages(exc)}")
        return _back()
    except OrganizationError as exc:
        flash(exc.message)
        return _back()
    return redirect(url, 303)


def _uploaded_key() -> object:
    """The JSON key from the file input (or pasted text); a ValueError says what is wrong."""
    upload = request.files.get("service_account_key")
    raw = upload.read(MAX_KEY_BYTES + 1) if upload and upload.filename else b""
    raw = raw or request.form.get("service_account_json", "").encode()
    if not raw.strip():
        raise ValueError("Choose the service account's JSON key file.")
    if len(raw) > MAX_KEY_BYTES:
        raise ValueError("That file is too large to be a service account key.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("That file is not JSON: download the key again as JSON.") from None


@bp.post("/google")
@login_required
@sudo_required
def connect_google():
    check_csrf()
    try:
        key = _uploaded_key()
        conn, _url = _create({"provider_name": "google", "service_account_key": key})
    except ValueError as exc:
        flash(f"Google Workspace not connected: {exc}")
    except ValidationError as exc:
        flash(f"Google Workspace not connected: {_messages(exc)}")
    except OrganizationError as exc:
        flash(exc.message)
    else:
        flash(
            f"Google Workspace domain {conn.tenant} connected; the key is stored sealed and "
            "won't be shown again. Now connect its members."
        )
    return _back()


@bp.post("/<connection_id>/remove")
@login_required
@sudo_required
def remove(connection_id: str):
    """First a page that says what goes (every member profile made through it); the
    removal itself is that page's form, with `confirmed`."""
    check_csrf()
    if request.form.get("confirmed") != "yes":
        s = db.session()
        try:
            conn = connection_json(s, get_connection(s, g.user, connection_id))
        except EnterpriseNotFound as exc:
            flash(exc.message)
            return _back()
        return render_template("profile/team_enterprise_remove.html", conn=conn, section="team")
    try:
        with db.write() as s:
            count = delete_connection(s, s.get(Account, g.user.id), connection_id)
    except OrganizationError as exc:
        flash(exc.message)
    else:
        flash(
            f"Enterprise connection removed with the calendars of {count} "
            f"member{'s' if count != 1 else ''}."
        )
    return _back()


@bp.post("/connect_all")
@login_required
def connect_all():
    check_csrf()
    try:
        with db.write() as s:
            me = s.get(Account, g.user.id)
            count = connect_every_member(s, me, current_app.extensions["schedlink.sealer"], _now())
    except OrganizationError as exc:
        flash(exc.message)
    else:
        flash(f"Connecting {count} member{'s' if count != 1 else ''} through Enterprise Connect.")
    return _back()


@bp.post("/members/<sub>/retry")
@login_required
def retry(sub: str):
    check_csrf()
    try:
        with db.write() as s:
            sealer = current_app.extensions["schedlink.sealer"]
            member = retry_member(s, s.get(Account, g.user.id), sub, sealer, _now())
            email = member.email
    except OrganizationError as exc:
        flash(exc.message)
    else:
        flash(f"Connecting {email} again.")
    return _back()
