"""The Team section of the profile: create an organization (its creator is its admin),
rename it, invite by e-mail with a role, pending invitations (resend, revoke), roles and
removal; any member may leave. Who may do what is decided in `organizations`."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for

from ... import db
from ...core.validation import ValidationError
from ...models import Account, Organization
from ...organizations import (
    ROLES,
    InvitationGone,
    OrganizationError,
    create_organization,
    invite,
    leave,
    members,
    pending,
    remove_member,
    rename_organization,
    resend,
    revoke,
    set_role,
)
from ..host.auth import login_required
from ..host.profile_nav import add_section
from ..security import check_csrf

bp = Blueprint("team", __name__, url_prefix="/profile/team")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_section(app, "team", "Team", "team.index", order=15)


def _now() -> datetime:
    return datetime.now(UTC)


def _page(errors: dict | None = None, form=None, status: int = 200):
    s = db.session()
    org = s.get(Organization, g.user.organization_id) if g.user.organization_id else None
    return render_template(
        "profile/team.html",
        section="team",
        organization=org,
        members=members(s, org.id) if org else [],
        invitations=pending(s, org.id, _now()) if org else [],
        is_admin=org is not None and g.user.organization_role == "admin",
        roles=ROLES,
        errors=errors or {},
        form=form or {},
    ), status


def _back():
    return redirect(url_for("team.index"), 303)


def _change(action, done: str):
    """Runs `action(session, me)` in one write; a refusal is flashed, bad input re-renders."""
    check_csrf()
    try:
        with db.write() as s:
            action(s, s.get(Account, g.user.id))
    except ValidationError as exc:
        return _page(exc.errors, request.form, 422)
    except InvitationGone as exc:
        flash(f"That invitation was already {exc.state}.")
        return _back()
    except OrganizationError as exc:
        flash(exc.message)
        return _back()
    flash(done)
    return _back()


@bp.get("")
@login_required
def index():
    return _page()


@bp.post("")
@login_required
def create():
    name = request.form.get("name", "")
    return _change(lambda s, me: create_organization(s, me, name), "Organization created.")


@bp.post("/name")
@login_required
def rename():
    name = request.form.get("name", "")
    return _change(lambda s, me: rename_organization(s, me, name), "Organization renamed.")


@bp.post("/invitations")
@login_required
def invite_member():
    email, role = request.form.get("email", ""), request.form.get("role", "member")
    return _change(
        lambda s, me: invite(s, me, email, role, _now()), f"Invitation sent to {email.strip()}."
    )


@bp.post("/invitations/<invitation_id>/resend")
@login_required
def resend_invitation(invitation_id: str):
    return _change(lambda s, me: resend(s, me, invitation_id, _now()), "Invitation sent again.")


@bp.post("/invitations/<invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id: str):
    return _change(lambda s, me: revoke(s, me, invitation_id, _now()), "Invitation revoked.")


@bp.post("/members/<sub>/role")
@login_required
def change_role(sub: str):
    role = request.form.get("role", "")
    return _change(lambda s, me: set_role(s, me, sub, role), "Role changed.")


@bp.post("/members/<sub>/remove")
@login_required
def remove(sub: str):
    return _change(lambda s, me: remove_member(s, me, sub), "Member removed.")


@bp.post("/leave")
@login_required
def leave_organization():
    return _change(leave, "You left the organization.")
