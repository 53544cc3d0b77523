"""Profiles (connected services) of an account, and their sealed credentials."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.ids import looks_like_id, new_id
from ..core.sealing import SealBroken, Sealer
from ..models import Account, Profile
from .errors import ProfileDisconnected, ProfileNotFound


def read_credentials(profile: Profile, sealer: Sealer) -> dict:
    if not profile.credentials:
        return {}
    try:
        return json.loads(sealer.unseal(profile.credentials))
    except SealBroken as exc:
        raise ProfileDisconnected(
            "The stored sign-in for this service cannot be read (the server's secret key "
            "changed). Connect it again."
        ) from exc


def write_credentials(profile: Profile, sealer: Sealer, data: dict) -> None:
    profile.credentials = sealer.seal(json.dumps(data, separators=(",", ":")))


def new_profile(
    session: Session,
    *,
    account: Account,
    provider_name: str,
    profile_name: str,
    purposes: Sequence[str],
    credentials: dict | None,
    sealer: Sealer,
    external_id: str | None = None,
) -> Profile:
    profile = Profile(
        public_id=new_id("pro"),
        account_id=account.id,
        provider_name=provider_name,
        profile_name=" ".join(profile_name.split())[:200] or provider_name,
        purposes=sorted(set(purposes)),
        connected=True,
        external_id=external_id,
    )
    if credentials is not None:
        write_credentials(profile, sealer, credentials)
    session.add(profile)
    session.flush()
    return profile


def profiles_of(session: Session, account: Account, purpose: str | None = None) -> list[Profile]:
    rows = session.scalars(
        select(Profile).where(Profile.account_id == account.id).order_by(Profile.id)
    ).all()
    return [p for p in rows if purpose is None or purpose in (p.purposes or [])]


def profile_for(session: Session, account: Account, public_id: str) -> Profile:
    profile = None
    if isinstance(public_id, str) and looks_like_id(public_id, "pro"):
        profile = session.scalar(
            select(Profile).where(Profile.public_id == public_id, Profile.account_id == account.id)
        )
    if profile is None:
        raise ProfileNotFound(public_id)
    return profile


def mark_disconnected(profile: Profile, reason: str) -> None:
    profile.connected = False
    profile.disconnected_reason = reason[:1000]
