"""The conferencing services page of the host's settings: the services that can make join
links (built-in Jitsi and connected providers), connect one, remove one, choose the
default. Plus the public, signed pages an end user reaches from the API or an e-mail:
pick a provider to connect, and reconnect a disconnected one."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ... import conferencing, db
from ...conferencing.work import requeue_waiting
from ...connections import (
    ManagedByOrganization,
    ProfileNotFound,
    begin_authorization,
    oauth_providers,
    profile_for,
)
from ...core.validation import ValidationError
from ...models import Account, Profile
from ...scheduling import BadToken, TokenExpired
from ..security import allow_form_actions, check_csrf, token_page
from .auth import login_required
from .oauth import browser_key
from .profile_nav import add_section

bp = Blueprint("conferencing", __name__)
PROVIDER_LABELS = {
    "zoom": "Zoom",
    "google": "Google Meet",
    "microsoft": "Microsoft Teams",
    "go_to": "GoTo Meeting",
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_section(app, "conferencing", "Conferencing services", "conferencing.page", order=30)


def _now() -> datetime:
    return datetime.now(UTC)


def _tokens():
    return current_app.extensions["schedlink.tokens"]


def _sealer():
    return current_app.extensions["schedlink.sealer"]


def _callback() -> str:
    return current_app.config["BASE_URL"] + "/oauth/callback"


def _page_url() -> str:
    return current_app.config["BASE_URL"] + url_for("conferencing.page")


def _consent(account, provider_name: str, redirect_uri: str, profile: Profile | None = None):
    provider = oauth_providers(current_app.config).get(provider_name)
    if provider is None:
        abort(404, description=f"{provider_name} is not available on this server.")
    # Only the account's own signed-in browser completes the consent at once; reached from a
    # link (an API's, an e-mail's) by anyone else, the consent asks who it is for on the way
    # back (web/oauth.py).
    own = g.get("user") is not None and g.user.id == account.id
    try:
        with db.write() as s:
            url = begin_authorization(
                s,
                account=account,
                provider=provider,
                purposes=["conferencing"],
                redirect_uri=redirect_uri,
                callback_url=_callback(),
                now=_now(),
                profile=profile,
                sealer=_sealer(),
                redirect_origins=current_app.config["REDIRECT_ORIGINS"],
                browser=browser_key() if own else None,
            )
    except ValidationError:  # a link's redirect_uri this server no longer allows
        abort(400, description="The address to return to is not allowed on this server.")
    return redirect(url, 302)


def _linked(account) -> None:
    """Back from a provider's consent screen: say how it went; a reconnected profile's
    waiting meetings are made now instead of at their next retry."""
    error, linked = request.args.get("error"), request.args.get("last_linked_profile_id")
    if error:
        flash(
            "The service was not connected: the provider said "
            f"{'no' if error == 'access_denied' else error}."
        )
    elif linked:
        with db.write() as s:
            try:
                profile = profile_for(s, account, linked)
            except ProfileNotFound:
                return
            requeue_waiting(s, profile, _now())
            flash(f"Connected {profile.profile_name}.")


@bp.get("/settings/conferencing")
@login_required
def page():
    if request.args.get("error") or request.args.get("last_linked_profile_id"):
        _linked(g.user)
        return redirect(url_for("conferencing.page"), 303)
    with db.write() as s:  # the built-in Jitsi profile is made on first visit
        conferencing.jitsi_profile(s, g.user, _sealer())
        profiles = conferencing.conferencing_profiles(s, g.user)
        choice = conferencing.default_choice(s, g.user)
    configured = oauth_providers(current_app.config)
    allow_form_actions(p.authorize_url for p in configured.values())  # Connect, Reconnect
    return render_template(
        "account/conferencing.html",
        section="conferencing",
        profiles=profiles,
        default=choice.value,
        choice=choice,
        descriptions=conferencing.DESCRIPTIONS,
        providers=[(name, PROVIDER_LABELS.get(name, name)) for name in configured],
        jitsi_url=current_app.config["JITSI_URL"],
    )


@bp.post("/settings/conferencing/connect/<provider_name>")
@login_required
def connect(provider_name: str):
    check_csrf()
    return _consent(g.user, provider_name, _page_url())


@bp.get("/settings/conferencing/connect/<target>")
@bp.get("/settings/conferencing/<target>/reconnect")
@login_required
def connect_by_get(target: str):
    """A consent starts only from the page's forms (a link elsewhere could start one for
    the signed-in host); an old bookmark lands on the page."""
    return redirect(url_for("conferencing.page"), 303)


@bp.post("/settings/conferencing/<profile_id>/reconnect")
@login_required
def reconnect(profile_id: str):
    check_csrf()
    try:
        profile = conferencing.conferencing_profile(db.session(), g.user, profile_id)
    except ProfileNotFound:
        raise NotFound() from None
    return _consent(g.user, profile.provider_name, _page_url(), profile)


@bp.post("/settings/conferencing/default")
@login_required
def choose_default():
    check_csrf()
    try:
        with db.write() as s:
            choice = conferencing.set_default(s, g.user, request.form.get("default"), _sealer())
    except ValidationError:
        flash("Choose one of the services listed.")
    else:
        what = "none" if choice.kind == "none" else choice.profile.profile_name
        flash(f"Default conferencing: {what}.")
    return redirect(url_for("conferencing.page"), 303)


@bp.post("/settings/conferencing/<profile_id>/remove")
@login_required
def remove(profile_id: str):
    check_csrf()
    try:
        with db.write() as s:
            kept = conferencing.remove_profile(s, g.user, profile_id)
    except ProfileNotFound:
        flash("That service is not yours or was already removed.")
    except conferencing.BuiltinProfile:
        flash("Jitsi is built in; choose “None” as the default to stop using it.")
    except ManagedByOrganization as exc:
        flash(exc.message)
    else:
        flash("No longer used for meetings; its calendars stay connected." if kept else "Removed.")
    return redirect(url_for("conferencing.page"), 303)


# --- public pages reached from the API (connect) and from e-mails (reconnect) -------------


@bp.get("/conferencing/connect/<token>")
@token_page
def public_connect(token: str):
    """POST /v1/conferencing_service_authorizations without a provider_name: pick one."""
    try:
        data = json.loads(_tokens().loads("conferencing-connect", token))
    except (BadToken, TokenExpired, ValueError):
        raise NotFound() from None
    account = db.session().scalar(select(Account).where(Account.sub == data["sub"]))
    if account is None:
        raise NotFound()
    configured = oauth_providers(current_app.config)
    chosen = request.args.get("provider")
    if chosen:
        return _consent(account, chosen, data["redirect_uri"])
    return render_template(
        "conferencing/connect.html",
        providers=[(name, PROVIDER_LABELS.get(name, name)) for name in configured],
        token=token,
    )


@bp.get("/conferencing/relink/<token>")
@token_page
def relink(token: str):
    """The relink URL of a disconnected profile (GET /v1/userinfo, the host's e-mail)."""
    try:
        public_id = _tokens().loads("conferencing-relink", token)
    except (BadToken, TokenExpired):
        raise NotFound() from None
    profile = db.session().scalar(select(Profile).where(Profile.public_id == public_id))
    if profile is None:
        raise NotFound()
    redirect_uri = current_app.config["BASE_URL"] + url_for("conferencing.relinked")
    return _consent(profile.account, profile.provider_name, redirect_uri, profile)


@bp.get("/conferencing/relinked")
def relinked():
    error, linked = request.args.get("error"), request.args.get("last_linked_profile_id")
    name = None
    if linked and not error:
        with db.write() as s:
            profile = s.scalar(select(Profile).where(Profile.public_id == linked))
            if profile is not None:
                requeue_waiting(s, profile, _now())
                name = profile.profile_name
    return render_template("conferencing/relinked.html", name=name, error=error)
