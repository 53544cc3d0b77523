"""Calendars and their events (local events and bookings alike)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .accounts import Account


class Calendar(Base):
    __tablename__ = "calendars"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="local")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A synced calendar belongs to a connected profile (ics, caldav, google, microsoft); the
    # local calendar has none. Its events are replaced by each sync, never edited by hand.
    profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str | None] = mapped_column(Text)  # CalDAV URL, Google/Graph id
    readonly: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Gone from the source: kept so clients see calendar_deleted, its events removed.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What the source gave to ask "what changed since?" (ETag, ctag/sync-token, syncToken,
    # deltaLink); None means the next sync reads everything.
    sync_token: Mapped[str | None] = mapped_column(Text)

    account: Mapped[Account] = relationship(back_populates="calendars")


class Event(Base):
    """A calendar event; busy time when opaque and not cancelled. Bookings are events too."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("calendar_id", "event_uid"),
        Index("ix_events_calendar_time", "calendar_id", "start_at", "end_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    event_uid: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str | None] = mapped_column(String(500))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tzid: Mapped[str] = mapped_column(String(64), default="Etc/UTC")
    transparency: Mapped[str] = mapped_column(String(12), default="opaque")
    status: Mapped[str] = mapped_column(String(12), default="confirmed")
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The host's answer (accepted, tentative, declined; None: not answered): declined is not
    # busy, tentative is shown as such by free/busy.
    participation_status: Mapped[str | None] = mapped_column(String(12))
    # Real-Time Sequencing: the step of its booking this event is for (a reschedule moves it
    # to that step's new time); None for every other event.
    sequence_id: Mapped[str | None] = mapped_column(String(200))


class CalendarSync(Base):
    """The sync state of one calendar profile: when it last worked, why it last failed, when
    the worker runs it next (failures back off)."""

    __tablename__ = "calendar_syncs"
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    initial_sync_required: Mapped[bool] = mapped_column(Boolean, default=True)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sync_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_sync_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class BookingCalendar(Base):
    """Where a host's new bookings are written (no row: the local calendar only)."""

    __tablename__ = "booking_calendars"
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("calendars.id", ondelete="SET NULL"))


class BookingWrite(Base):
    """A booking's copy in a connected calendar: written, moved and deleted by jobs; a failure
    is kept here (and shown on the dashboard) while the job retries. `sequence_id`: one
    step's event of a Real-Time Sequencing booking (NULL: the booking as one event)."""

    __tablename__ = "booking_writes"
    __table_args__ = (
        UniqueConstraint("booking_id", "calendar_id", "sequence_id", name="uq_booking_writes_step"),
        Index(
            "uq_booking_writes_booking", "booking_id", "calendar_id", unique=True,
            sqlite_where=text("sequence_id IS NULL"), postgresql_where=text("sequence_id IS NULL"),
        ),
    )  # fmt: skip
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    sequence_id: Mapped[str | None] = mapped_column(String(200))
    external_uid: Mapped[str] = mapped_column(String(200))
    external_ref: Mapped[str | None] = mapped_column(Text)  # object URL or provider event id
    state: Mapped[str] = mapped_column(String(12), default="pending")  # written|failed|removed
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
