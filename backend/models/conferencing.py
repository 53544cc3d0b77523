"""Conferencing: the join details of an event (generated, explicit or from a connected
provider) and each account's default conferencing service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Conference(Base):
    """One event's conferencing. `status`: pending (waiting for the worker), failing (the
    provider can't be reached or the profile is disconnected; still retried), assigned."""

    __tablename__ = "conferences"
    __table_args__ = (Index("ix_conferences_profile_status", "profile_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    # The connected service that makes the meeting; None for explicit details.
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    provider_name: Mapped[str] = mapped_column(String(40))
    provider_description: Mapped[str | None] = mapped_column(String(200))
    join_url: Mapped[str | None] = mapped_column(String(2000))
    # The provider's meeting id (Zoom id, Graph id, GoTo meetingid, Google event id): kept
    # so summary/time changes update the same meeting and a delete removes it.
    meeting_id: Mapped[str | None] = mapped_column(String(300))
    # How the meeting was made when a provider has two ways: "event" for a Teams meeting
    # that is an Outlook event (a calendar-only Microsoft connection); None: the usual way.
    meeting_kind: Mapped[str | None] = mapped_column(String(20))
    # fingerprint() of the summary and times the provider's meeting last got.
    pushed: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    # The booking confirmation held back until the join link exists (released on assign).
    mail_job_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ConferencingDefault(Base):
    """The host's choice on the conferencing services page. No row: Jitsi (needs no
    set-up), or the host's one Google/Microsoft calendar connection (services.default_choice).
    `choice` is "profile" (with `profile_id`) or "none"; a removed profile leaves profile_id
    NULL, which counts as no choice."""

    __tablename__ = "conferencing_defaults"
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    choice: Mapped[str] = mapped_column(String(12), default="profile")
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
