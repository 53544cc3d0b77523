"""Enterprise Connect, the organization's side: admins connect the company's Microsoft 365
tenant (admin consent) or Google Workspace domain (a service account key, checked by minting
a token for the admin's own address, sealed and never shown again), list them with their
status, and remove them with every member profile made through them. Flask-free."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime

from authlib.common.security import generate_token
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..calendars import forget_calendars
from ..connections import (
    EnterpriseRefused,
    EnterpriseSettings,
    ProviderUnavailable,
    admin_consent_url,
    check_key,
    check_redirect_uri,
    member_token,
)
from ..connections.enterprise import seal
from ..core.ids import looks_like_id, new_id
from ..core.outbound import Outbound
from ..core.sealing import Sealer
from ..core.validation import FieldErrors, format_utc
from ..models import Account, CalendarSync, EnterpriseConnection, Profile
from .errors import OrganizationError
from .members import require_admin

PROVIDERS = ("microsoft", "google")
_TENANT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")


class EnterpriseNotFound(OrganizationError):
    message = "No enterprise connection with that id in your organization."


class ConsentFailed(OrganizationError):
    message = "The administrator consent did not complete."


def _errors(field: str, key: str, text: str):
    errors = FieldErrors()
    errors.add(field, key, text)
    errors.raise_if_any()


def create_connection(
    s: Session,
    admin: Account,
    body: object,
    *,
    settings: EnterpriseSettings,
    callback_url: str,
    redirect_origins: Collection[str],
    outbound: Outbound,
    sealer: Sealer,
    now: datetime,
):
    """(connection, consent URL or None). Microsoft: pending until the admin consents;
    Google: active once its key mints a token for the admin's own address."""
    org = require_admin(s, admin)
    if not isinstance(body, dict):
        _errors("body", "invalid", "Send a JSON object.")
    provider = body.get("provider_name")
    if provider not in PROVIDERS:
        _errors("provider_name", "invalid", "provider_name is microsoft or google.")
    conn = EnterpriseConnection(
        public_id=new_id("ent"),
        organization_id=org.id,
        provider_name=provider,
        created_by=admin.id,
        created_at=now,
    )
    if provider == "microsoft":
        tenant = body.get("tenant")
        if not isinstance(tenant, str) or not _TENANT.match(tenant.strip()):
            _errors("tenant", "invalid", "tenant is the Microsoft 365 domain or tenant id.")
        conn = _existing(s, org.id, provider, tenant.strip().lower()) or conn
        if not settings.microsoft_ready:
            _errors(
                "provider_name",
                "not_configured",
                "This server has no Microsoft app (SCHEDLINK_MICROSOFT_CLIENT_ID).",
            )
        redirect_uri = check_redirect_uri(
            body.get("redirect_uri"), callback_url=callback_url, redirect_origins=redirect_origins
        )
        conn.tenant = tenant.strip().lower()
        if conn.status != "active":  # a working connection keeps working while re-consented
            conn.status = "pending"
        conn.consent_state, conn.redirect_uri = generate_token(43), redirect_uri
        s.add(conn)
        s.flush()
        return conn, admin_consent_url(settings, conn.tenant, callback_url, conn.consent_state)
    try:
        key = check_key(body.get("service_account_key"))
    except ValueError as exc:
        _errors("service_account_key", "invalid", str(exc))
    try:
        member_token(outbound, key, admin.email, now)
    except EnterpriseRefused as exc:
        _errors(
            "service_account_key",
            "refused",
            f"Google refused a token for {admin.email} ({exc.code}): check the domain-wide "
            "delegation of this service account's client id in the Admin console.",
        )
    except ProviderUnavailable as exc:
        _errors("service_account_key", "unreachable", str(exc))
    domain = admin.email.rsplit("@", 1)[1].lower()
    conn = _existing(s, org.id, provider, domain) or conn
    conn.tenant, conn.status, conn.disconnected_reason = domain, "active", None
    conn.service_account_email = key["client_email"][:255]
    conn.credentials = seal(sealer, {"key": key})
    s.add(conn)
    s.flush()
    return conn, None


def _existing(s: Session, org_id: int, provider: str, tenant: str):
    """The organization's connection to that tenant or domain: connecting it again (a new
    consent, a new key) revives it, so its member profiles, and their busy times, stay."""
    return s.scalar(
        select(EnterpriseConnection).where(
            EnterpriseConnection.organization_id == org_id,
            EnterpriseConnection.provider_name == provider,
            EnterpriseConnection.tenant == tenant,
        )
    )


def complete_consent(
    s: Session,
    state: object,
    *,
    admin_consent: object,
    tenant: object,
    error: object,
    description: object,
) -> tuple[EnterpriseConnection, str | None]:
    """Microsoft's answer at our redirect URI: (connection, error or None). The state is used
    once; a refused consent leaves the connection pending with the reason."""
    if not isinstance(state, str) or not state:
        raise ConsentFailed()
    conn = s.scalar(select(EnterpriseConnection).where(EnterpriseConnection.consent_state == state))
    if conn is None:
        raise ConsentFailed("That consent is unknown or was already used.")
    conn.consent_state = None
    if error or str(admin_consent).lower() != "true":
        reason = f"{error or 'access_denied'}: {str(description or '')[:300]}".rstrip(": ")
        conn.disconnected_reason = f"The administrator consent was not given ({reason})."
        return conn, str(error or "access_denied")
    # The tenant as entered (a domain, which names the members' addresses) keeps serving the
    # token requests; Microsoft's answer names the tenant id, only checked to be one.
    if not isinstance(tenant, str) or not _TENANT.match(tenant):
        conn.disconnected_reason = "Microsoft's answer named no tenant."
        return conn, "invalid_request"
    # A consent given again: the app token cached before it was withdrawn is not reused.
    conn.status, conn.disconnected_reason, conn.credentials = "active", None, None
    return conn, None


def connections_of(s: Session, account: Account) -> list[EnterpriseConnection]:
    if account.organization_id is None:
        return []
    return list(
        s.scalars(
            select(EnterpriseConnection)
            .where(EnterpriseConnection.organization_id == account.organization_id)
            .order_by(EnterpriseConnection.id)
        )
    )


def get_connection(s: Session, account: Account, public_id: object) -> EnterpriseConnection:
    if isinstance(public_id, str) and looks_like_id(public_id, "ent"):
        for conn in connections_of(s, account):
            if conn.public_id == public_id:
                return conn
    raise EnterpriseNotFound()


def connection_json(s: Session, conn: EnterpriseConnection) -> dict:
    counts = dict(
        s.execute(
            select(Profile.connected, func.count())
            .where(Profile.enterprise_connection_id == conn.id)
            .group_by(Profile.connected)
        ).all()
    )
    return {
        "enterprise_connection_id": conn.public_id,
        "provider_name": conn.provider_name,
        "tenant": conn.tenant,
        "status": conn.status,
        "service_account_email": conn.service_account_email,
        "status_reason": conn.disconnected_reason,
        "members_connected": counts.get(True, 0),
        "members_disconnected": counts.get(False, 0),
        "created_at": format_utc(conn.created_at),
    }


def delete_connection(s: Session, admin: Account, public_id: object) -> int:
    """Remove the connection and every member profile made through it (their calendars and
    busy times go with them). Returns how many profiles went."""
    require_admin(s, admin)
    conn = get_connection(s, admin, public_id)
    profiles = s.scalars(select(Profile).where(Profile.enterprise_connection_id == conn.id)).all()
    for profile in profiles:
        forget_calendars(s, profile)
        s.delete(profile)
    s.flush()
    s.delete(conn)
    return len(profiles)


def member_status(s: Session, org_id: int) -> dict[int, dict]:
    """account id -> {"profile_id", "connected", "reason", "synced", "error"} for enterprise
    profiles (`error`: why the member's authorization failed, None for a connection-wide
    disconnection)."""
    rows = s.execute(
        select(Profile, CalendarSync)
        .join(EnterpriseConnection, EnterpriseConnection.id == Profile.enterprise_connection_id)
        .outerjoin(CalendarSync, CalendarSync.profile_id == Profile.id)
        .where(EnterpriseConnection.organization_id == org_id)
    ).all()
    return {
        p.account_id: {
            "profile_id": p.public_id,
            "connected": bool(p.connected),
            "reason": p.disconnected_reason or (state.sync_error if state else None),
            "synced": bool(state and state.last_synced_at),
            "error": p.enterprise_error,
        }
        for p, state in rows
    }
