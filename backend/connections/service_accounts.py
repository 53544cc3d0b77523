"""Access tokens for profiles made through Enterprise Connect: Microsoft's app token is one
per tenant, cached sealed on the connection until it expires; Google's is one per member,
cached sealed on the member's profile. A refused consent or key disconnects the whole
connection (every member profile keeps its last busy times) and queues the admins' e-mail.
Flask-free."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.outbound import Outbound
from ..core.sealing import Sealer
from ..models import EnterpriseConnection, Job, Profile
from .enterprise import (
    EnterpriseRefused,
    EnterpriseSettings,
    app_token,
    fresh,
    member_token,
    seal,
    unseal,
)
from .errors import ProfileDisconnected
from .profiles import mark_disconnected, read_credentials, write_credentials

DISCONNECTED_JOB = "enterprise.disconnected"


def disconnect_connection(session: Session, conn: EnterpriseConnection, reason: str) -> int:
    """Mark the connection and every profile made through it disconnected (their events
    stay: busy time is kept until they are removed) and tell the organization's admins."""
    already = conn.status == "disconnected"
    conn.status, conn.disconnected_reason = "disconnected", reason[:1000]
    profiles = session.scalars(
        select(Profile).where(Profile.enterprise_connection_id == conn.id)
    ).all()
    for profile in profiles:
        if profile.connected:
            mark_disconnected(profile, reason)
    if not already:
        session.add(Job(kind=DISCONNECTED_JOB, payload={"connection_id": conn.public_id}))
    return len(profiles)


def enterprise_access_token(
    session: Session,
    *,
    profile: Profile,
    settings: EnterpriseSettings,
    outbound: Outbound,
    sealer: Sealer,
    now: datetime,
    force_refresh: bool = False,
) -> str:
    conn = session.get(EnterpriseConnection, profile.enterprise_connection_id)
    if conn is None or conn.status != "active":
        reason = (conn.disconnected_reason if conn is not None else None) or (
            "Your organization's calendar connection is no longer active."
        )
        mark_disconnected(profile, reason)
        raise ProfileDisconnected(reason)
    stored = unseal(sealer, conn.credentials)
    try:
        if conn.provider_name == "microsoft":
            token = stored.get("token")
            if fresh(token, now) and not force_refresh:
                return token["access_token"]
            token = app_token(outbound, settings, conn.tenant, now)
            conn.credentials = seal(sealer, {**stored, "token": token})
            return token["access_token"]
        credentials = read_credentials(profile, sealer)
        token = credentials.get("token")
        if fresh(token, now) and not force_refresh:
            return token["access_token"]
        if not stored.get("key"):
            raise EnterpriseRefused("invalid_client", "The service account key is gone.", True)
        token = member_token(outbound, stored["key"], credentials.get("upn", ""), now)
        write_credentials(profile, sealer, {**credentials, "token": token})
        return token["access_token"]
    except EnterpriseRefused as exc:
        if exc.whole:
            what = (
                "Microsoft 365 consent"
                if conn.provider_name == "microsoft"
                else ("Google service account")
            )
            reason = (
                "Your organization's administrator must connect the calendars again: the "
                f"{what} no longer works ({exc.code})."
            )
            disconnect_connection(session, conn, reason)
        else:
            reason = f"Your calendar could not be reached through the organization ({exc.code})."
            mark_disconnected(profile, reason)
        raise ProfileDisconnected(reason) from exc
