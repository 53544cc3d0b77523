"""The API keys section: create a key (shown once, on the page the POST answers with — never
put in the cookie or a redirect), list and revoke keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
from ...accounts import (
    active_api_keys,
    create_api_key,
    live_element_tokens,
    revoke_api_key,
    revoke_element_token,
    revoke_element_tokens,
)
from ..security import check_csrf
from .auth import login_required
from .profile_nav import add_section
from .sudo import sudo_required

bp = Blueprint("api_keys", __name__, url_prefix="/profile/api-keys")
# The expiries offered on the page (days; "" is never). The CLI takes any number of days.
EXPIRY_CHOICES = (("", "Never"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"))
# A host app makes a token per page view, so there can be many: the newest are listed.
ELEMENT_TOKENS_SHOWN = 50


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_section(app, "api-keys", "API keys", "api_keys.index", order=40)


def _page(new_key: str | None = None, status: int = 200):
    element_tokens, element_total = live_element_tokens(
        db.session(), g.user, limit=ELEMENT_TOKENS_SHOWN
    )
    return render_template(
        "profile/api_keys.html",
        section="api-keys",
        keys=active_api_keys(db.session(), g.user),
        new_key=new_key,
        base_url=current_app.config["BASE_URL"],
        expiry_choices=EXPIRY_CHOICES,
        now=datetime.now(UTC),
        element_tokens=element_tokens,
        element_total=element_total,
    ), status


@bp.get("")
@login_required
def index():
    return _page()


@bp.post("")
@login_required
@sudo_required
def create():
    check_csrf()
    days = request.form.get("expires_in_days", "")
    if days not in dict(EXPIRY_CHOICES):
        flash("Choose an expiry from the list.")
        return redirect(url_for("api_keys.index"), 303)
    expires_at = datetime.now(UTC) + timedelta(days=int(days)) if days else None
    with db.write() as s:
        _key, plaintext = create_api_key(
            s, g.user, request.form.get("label", "API key"), expires_at=expires_at
        )
    # Answered directly (201, no-store): the only copy of the key leaves in this response.
    return _page(new_key=plaintext, status=201)


@bp.post("/<int:key_id>/revoke")
@login_required
@sudo_required
def revoke(key_id: int):
    check_csrf()
    with db.write() as s:
        revoked = revoke_api_key(s, g.user, key_id)
    flash("API key revoked." if revoked else "That key was already gone.")
    return redirect(url_for("api_keys.index"), 303)


# Revoking an element token takes access away, so a signed-in session with CSRF is enough
# (no fresh password, unlike making or revoking a key).
@bp.post("/element-tokens/<element_token_id>/revoke")
@login_required
def revoke_element(element_token_id: str):
    check_csrf()
    with db.write() as s:
        revoked = revoke_element_token(s, g.user, element_token_id)
    flash("Element token revoked." if revoked else "That element token had already ended.")
    return redirect(url_for("api_keys.index") + "#element-tokens", 303)


@bp.post("/element-tokens/revoke-all")
@login_required
def revoke_all_elements():
    check_csrf()
    with db.write() as s:
        count = revoke_element_tokens(s, g.user)
    flash(f"{count} element token{'' if count == 1 else 's'} revoked.")
    return redirect(url_for("api_keys.index") + "#element-tokens", 303)
