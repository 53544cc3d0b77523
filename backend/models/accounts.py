"""Organizations, accounts and their API keys."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.ids import new_id
from .base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .calendars import Calendar


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (Index("uq_organizations_public_id", "public_id", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, like every public id (the row id would tell how many organizations exist).
    public_id: Mapped[str | None] = mapped_column(String(40), default=lambda: new_id("org"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (Index("uq_accounts_slug", "slug", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sub: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tzid: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    # "admin" or "member" while organization_id is set (backend.organizations keeps them paired).
    organization_role: Mapped[str | None] = mapped_column(String(10))
    # Set for an account made at /signup until its e-mail link is opened: it can't sign in,
    # and is removed once this is older than the verification window allows.
    unverified_since: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Bumped on every password change (sessions themselves are rows in user_sessions).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Bumped in the same transaction as any change to this host's busy time or working hours;
    # offered slots are cached per version, and the UPDATE doubles as the per-host row lock.
    availability_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # "12" or "24": how the host's own pages and e-mails show times by default.
    hour_format: Mapped[str] = mapped_column(String(2), default="24", server_default="24")
    # TOTP: the confirmed secret (encrypted at rest), one awaiting its first code during
    # enrolment, and the last accepted time step (a code is accepted once, RFC 6238 §5.2).
    totp_secret: Mapped[str | None] = mapped_column(String(400))
    totp_pending_secret: Mapped[str | None] = mapped_column(String(400))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # The WebAuthn user handle: random, so passkeys never carry the account id or e-mail.
    webauthn_user_id: Mapped[bytes | None] = mapped_column(LargeBinary(64))
    # Whether a booking page with no free times may show this e-mail so people can ask.
    show_email: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # An e-mail change awaiting its link (shown on /profile, cancellable); a password change
    # or "sign out everywhere" clears it, and a link whose address is not this one is dead.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # Booking pages (issue 25): the host's address (/<slug>/<page slug>; unique, see the
    # migration's uq_accounts_slug) and whether /<slug> lists the active pages (opt-in).
    slug: Mapped[str | None] = mapped_column(String(60))
    public_profile: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    calendars: Mapped[list[Calendar]] = relationship(back_populates="account")


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(100))
    # Keys are 256-bit random, so a plain SHA-256 is enough to store them safely.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most once a minute per key (accounts.api_keys.USE_RECORD_INTERVAL), so the
    # API's hot path is not a write per request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_ip: Mapped[str | None] = mapped_column(String(45))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()
