"""Calendar services page: the host's connected calendars with their status and last sync;
add a feed, a CalDAV account, Google or Outlook; sync now; remove; choose where bookings are
written. Thin over `calendars`."""

from __future__ import annotations

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

from ... import conferencing, db
from ...calendars import (
    PROVIDER_LABELS,
    CalendarNotFound,
    all_calendars,
    booking_calendar_id,
    calendar_profile,
    calendar_profiles,
    choose_booking_calendar,
    connect_profile,
    profile_to_dict,
    revoke,
    start_authorization,
    sync_now,
    verify_caldav,
)
from ...connections import ConnectionsError, ManagedByOrganization, oauth_providers
from ...core.validation import ValidationError, parse_utc
from ..invitee.booking_pages import now
from ..security import allow_form_actions, check_csrf
from .auth import login_required
from .oauth import browser_key
from .profile_nav import add_section

bp = Blueprint("calendar_services", __name__, url_prefix="/calendar_services")
# The calendar services a host signs in to, and the settings prefix their OAuth client
# needs: shown as a button when configured, else as what the operator must set.
SIGN_IN_SERVICES = (("google", "Google Calendar", "GOOGLE"), ("microsoft", "Outlook", "MICROSOFT"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_section(app, "calendars", "Calendar services", "calendar_services.index", order=20)


def _here() -> str:
    return url_for("calendar_services.index")


def _messages(exc: ValidationError) -> str:
    return " ".join(item["description"] for items in exc.errors.values() for item in items)


@bp.get("")
@login_required
def index():
    s = db.session()
    linked = request.args.get("last_linked_profile_id")
    if linked:
        flash("Calendar connected. Its busy times appear after the first sync.")
    if request.args.get("error"):
        flash("The calendar was not connected: permission was not given.")
    found = calendar_profiles(s, g.user)
    profiles = [profile_to_dict(s, p) for p in found]
    for p in profiles:  # a moment for the page, which shows it in the host's zone
        p["last_synced"] = parse_utc(p["last_synced_at"])
    # Connections that also make meetings: removing the calendar keeps that use.
    meetings = {p.public_id for p in found if "conferencing" in (p.purposes or [])}
    writable = [c for c in all_calendars(s, g.user) if not c["calendar_readonly"]
                and not c["calendar_deleted"]]  # fmt: skip
    oauth = oauth_providers(current_app.config)
    allow_form_actions(oauth[name].authorize_url for name, *_ in SIGN_IN_SERVICES
                       if name in oauth)  # the Connect buttons redirect there  # fmt: skip
    return render_template(
        "account/calendar_services.html",
        section="calendars",
        profiles=profiles, labels=PROVIDER_LABELS, writable=writable, meetings=meetings,
        booking_calendar=booking_calendar_id(s, g.user),
        sign_in=_sign_in_services(),
        form=request.args,
    )  # fmt: skip


def _sign_in_services() -> list[dict]:
    configured = oauth_providers(current_app.config)
    return [
        {"name": name, "label": label, "configured": name in configured,
         "settings": [f"SCHEDLINK_{prefix}_CLIENT_ID", f"SCHEDLINK_{prefix}_CLIENT_SECRET"]}
        for name, label, prefix in SIGN_IN_SERVICES
    ]  # fmt: skip


@bp.post("/feed")
@login_required
def add_feed():
    check_csrf()
    return _connect({"provider_name": "ics", "url": request.form.get("url", ""),
                     "profile_name": request.form.get("profile_name") or None})  # fmt: skip


@bp.post("/caldav")
@login_required
def add_caldav():
    check_csrf()
    form = request.form
    return _connect({"provider_name": "caldav", "url": form.get("url", ""),
                     "username": form.get("username", ""), "password": form.get("password", ""),
                     "profile_name": form.get("profile_name") or None})  # fmt: skip


def _connect(body: dict):
    ext = current_app.extensions
    outbound = ext["schedlink.outbound"]
    try:
        with db.write() as s:
            connect_profile(
                s, g.user, body, outbound=outbound, sealer=ext["schedlink.sealer"], now=now(),
                check_caldav=lambda url, user, pw: verify_caldav(outbound, url, user, pw),
            )  # fmt: skip
    except ValidationError as exc:
        flash(f"Not connected: {_messages(exc)}")
    else:
        flash("Calendar connected. Its busy times appear after the first sync, in a moment.")
    return redirect(_here(), 303)


@bp.post("/connect/<provider>")
@login_required
def connect_oauth(provider: str):
    check_csrf()
    body = {"provider_name": provider, "redirect_uri": current_app.config["BASE_URL"] + _here()}
    try:
        with db.write() as s:
            url = start_authorization(
                s, g.user, body, config=current_app.config, now=now(),
                sealer=current_app.extensions["schedlink.sealer"], browser=browser_key(),
            )  # fmt: skip
    except ValidationError as exc:
        flash(_messages(exc))
        return redirect(_here(), 303)
    return redirect(url, 303)


@bp.get("/<profile_id>/relink")
@login_required
def relink(profile_id: str):
    redirect_uri = current_app.config["BASE_URL"] + _here()
    try:
        with db.write() as s:
            profile = calendar_profile(s, g.user, profile_id)
            url = start_authorization(
                s, g.user, {"provider_name": profile.provider_name, "redirect_uri": redirect_uri},
                config=current_app.config, now=now(), profile=profile,
                sealer=current_app.extensions["schedlink.sealer"], browser=browser_key(),
            )  # fmt: skip
    except (ConnectionsError, CalendarNotFound):
        flash("That calendar is not yours or no longer exists.")
        return redirect(_here(), 303)
    except ValidationError as exc:
        flash(_messages(exc))
        return redirect(_here(), 303)
    return redirect(url, 303)


@bp.post("/<profile_id>/sync")
@login_required
def sync(profile_id: str):
    check_csrf()
    try:
        with db.write() as s:
            sync_now(s, g.user, profile_id, now(), current_app.config["CALENDAR_SYNC_SECONDS"])
    except (ConnectionsError, CalendarNotFound):
        flash("That calendar is not yours or no longer exists.")
    else:
        flash("Syncing now; refresh in a moment to see the result.")
    return redirect(_here(), 303)


@bp.post("/<profile_id>/remove")
@login_required
def remove(profile_id: str):
    """Remove the calendar; a connection that also makes meetings stays for that (and keeps
    its grant) unless the host chose "Remove everywhere"."""
    check_csrf()
    everywhere = request.form.get("everywhere") == "1"
    try:
        with db.write() as s:
            if everywhere:
                conferencing.remove_everywhere(s, g.user, profile_id, now())
                remaining = []
            else:
                remaining = revoke(s, g.user, profile_id)
    except ManagedByOrganization as exc:
        flash(exc.message)
        return redirect(_here(), 303)
    except (ConnectionsError, CalendarNotFound):
        flash("That calendar is not yours or no longer exists.")
    else:
        flash("Calendar removed: its busy times no longer block your links.")
        if everywhere:
            flash(
                "It no longer makes your meetings either, and schedlink's access to the "
                "account is being given back."
            )
        elif "conferencing" in remaining:
            flash(
                "The connection still makes your meetings, so schedlink keeps its access "
                "to the account: remove it on the conferencing services page to end that."
            )
    return redirect(_here(), 303)


@bp.post("/booking_calendar")
@login_required
def booking_calendar():
    check_csrf()
    try:
        with db.write() as s:
            calendar = choose_booking_calendar(
                s, g.user, {"calendar_id": request.form.get("calendar_id")}
            )
    except ValidationError as exc:
        flash(_messages(exc))
    else:
        flash(f"New bookings go to “{calendar.name}”.")
    return redirect(_here(), 303)
