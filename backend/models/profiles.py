"""Connected services ("profiles", Cronofy's word): a calendar feed, a CalDAV account, an OAuth
connection to Google, Microsoft, Zoom or GoTo. One Google or Microsoft connection may serve both
calendars and conferencing, hence `purposes`. Calendar- and conferencing-specific state lives in
their own tables, keyed by the profile."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .accounts import Account


class Profile(Base):
    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    provider_name: Mapped[str] = mapped_column(String(20))
    profile_name: Mapped[str] = mapped_column(String(200))
    purposes: Mapped[list] = mapped_column(JSON, default=list)
    connected: Mapped[bool] = mapped_column(Boolean, default=True)
    # Sealed JSON (backend.core.sealing): tokens, passwords, secret feed URLs. Never shown.
    credentials: Mapped[str | None] = mapped_column(Text)
    # The provider's own id for the connected account, so a re-link updates this profile.
    external_id: Mapped[str | None] = mapped_column(String(255))
    disconnected_reason: Mapped[str | None] = mapped_column(Text)
    # Made by Enterprise Connect (the organization's tenant or domain), not by the member.
    enterprise_connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise_connections.id", ondelete="CASCADE"), index=True
    )
    # Why the organization's authorization of this member failed (unknown_user, no_mailbox,
    # access_denied, consent_missing); None once it worked.
    enterprise_error: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    account: Mapped[Account] = relationship()

    __table_args__ = (Index("ix_profiles_account", "account_id"),)


class OAuthRequest(Base):
    """One consent in progress: the state sent to the provider and the PKCE verifier kept here."""

    __tablename__ = "oauth_requests"
    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    provider_name: Mapped[str] = mapped_column(String(20))
    purposes: Mapped[list] = mapped_column(JSON, default=list)
    redirect_uri: Mapped[str] = mapped_column(Text)
    code_verifier: Mapped[str] = mapped_column(String(128))
    # Re-linking an existing profile (its tokens stopped working) rather than adding one.
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    # SHA-256 of the random key in the browser's `schedlink_oauth` cookie: only that browser
    # may complete (or confirm) this consent. Set when a signed-in browser starts it; a consent
    # started through the API is bound to the browser that comes back from the provider.
    browser_hash: Mapped[str | None] = mapped_column(String(64))
    # A consent started through the API, back from the provider and waiting for the person to
    # confirm which schedlink account gets it: the exchanged tokens, sealed (nothing is on a
    # profile yet). Given back to the provider if cancelled or left to expire.
    sealed_grant: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
