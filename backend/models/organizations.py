"""Onboarding: invitations into an organization and browser connections (the extension's
one-time request for an API key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import Account, Organization
from .base import Base, UTCDateTime, utcnow


class Invitation(Base):
    """An e-mailed invitation. The link is a signed token naming `public_id` and `sends`, made
    when the mail is sent; resending bumps `sends`, so only the newest link works."""

    __tablename__ = "organization_invitations"
    __table_args__ = (Index("ix_invitations_org", "organization_id", "accepted_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(10))
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    sends: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
    invited_by: Mapped[Account | None] = relationship()


class BrowserConnection(Base):
    """ "Connect this browser": the extension asks with the SHA-256 of a secret it keeps, the
    signed-in owner approves on a page, the extension trades the secret for a new API key."""

    __tablename__ = "browser_connections"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    challenge: Mapped[str] = mapped_column(String(64))
    user_code: Mapped[str] = mapped_column(String(12))
    browser: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
