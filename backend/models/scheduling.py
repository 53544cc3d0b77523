"""Scheduling links, their bookings, and idempotency keys of link creation."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .accounts import Account


# Reminders when a link sets none: 24 hours and 1 hour before the start (in minutes).
DEFAULT_REMINDERS = (1440, 60)


class SchedulingLink(Base):
    __tablename__ = "scheduling_links"
    __table_args__ = (
        Index("ix_links_account_created", "account_id", "created_at"),
        Index("uq_links_account_slug", "account_id", "slug", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    contact: Mapped[dict] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(String(300))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    # open | completed | disabled; "expired" is derived from expires_at when read.
    status: Mapped[str] = mapped_column(String(12), default="open")
    display_message: Mapped[str | None] = mapped_column(String(500))
    query_periods: Mapped[list | None] = mapped_column(JSON)
    redirect_url: Mapped[str | None] = mapped_column(String(2000))
    # The `conferencing` asked for at creation; None is the host's default service.
    conferencing: Mapped[dict | None] = mapped_column(JSON)
    # Of the hosts (link_hosts): "all" must attend (collective) or "1" (round robin).
    hosts_required: Mapped[str] = mapped_column(String(3), default="all", server_default="all")
    # Issue 25: the booking form's questions (scheduling.questions), how many guest addresses
    # the invitee may add (None: the default, 3) and where the meeting is (scheduling.places).
    questions: Mapped[list | None] = mapped_column(JSON)
    max_guests: Mapped[int | None] = mapped_column(Integer)
    place: Mapped[dict | None] = mapped_column(JSON)
    # Minutes before the start to remind invitee and hosts (scheduling.reminders); None is
    # the default (24 h and 1 h), [] none.
    reminders: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "one_time" (links), "real_time" (POST /v1/real_time_scheduling: made from an
    # availability query; the columns below keep what the query asked for).
    kind: Mapped[str] = mapped_column(String(12), default="one_time", server_default="one_time")
    rts_query: Mapped[dict | None] = mapped_column(JSON)
    rts_event: Mapped[dict | None] = mapped_column(JSON)
    target_calendars: Mapped[list | None] = mapped_column(JSON)
    event_creation: Mapped[str | None] = mapped_column(String(10))
    callback_urls: Mapped[dict | None] = mapped_column(JSON)
    redirect_completed_url: Mapped[str | None] = mapped_column(String(2000))
    minimum_notice_minutes: Mapped[int | None] = mapped_column(Integer)
    no_times_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Issue 21: the owner's hours rule the link offers (None: each host's default rule).
    availability_rule_id: Mapped[str | None] = mapped_column(String(255))
    # "page" (a reusable booking page, scheduling.pages): its slug under the owner's, the
    # durations the invitee may choose from, and its own rules over the hours rule's (None:
    # the rule's). Notice is `minimum_notice_minutes`; max_uses is unlimited by default.
    slug: Mapped[str | None] = mapped_column(String(60))
    durations: Mapped[list | None] = mapped_column(JSON)
    buffer_before_minutes: Mapped[int | None] = mapped_column(Integer)
    buffer_after_minutes: Mapped[int | None] = mapped_column(Integer)
    max_days_ahead: Mapped[int | None] = mapped_column(Integer)
    daily_limit: Mapped[int | None] = mapped_column(Integer)

    account: Mapped[Account] = relationship()
    bookings: Mapped[list[Booking]] = relationship(back_populates="link", order_by="Booking.id")
    hosts: Mapped[list[LinkHost]] = relationship(
        order_by="LinkHost.position", cascade="all, delete-orphan"
    )


class LinkHost(Base):
    """A host of a link, in the order the creator gave (round robin's tie-break). The link's
    `account_id` is its owner; a link made without `hosts` has one row, the owner."""

    __tablename__ = "link_hosts"
    __table_args__ = (Index("ix_link_hosts_account", "account_id"),)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("scheduling_links.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)

    account: Mapped[Account] = relationship()


class Booking(Base):
    """A meeting booked through a link; `account_id` is the link's owner. Who attends is its
    seats (`BookingHost`), where the database refuses overlaps per host."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_host_time", "account_id", "start_at", "end_at"),
        Index("ix_bookings_link_start", "link_id", "start_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("scheduling_links.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="confirmed")
    invitee_name: Mapped[str] = mapped_column(String(200))
    invitee_email: Mapped[str] = mapped_column(String(254))
    invitee_tzid: Mapped[str | None] = mapped_column(String(64))
    # Free text from the invitee for the host; untrusted, escaped wherever it is shown.
    invitee_notes: Mapped[str | None] = mapped_column(String(2000))
    # "12" or "24": the invitee's clock, carried into pages and e-mails.
    hour_format: Mapped[str] = mapped_column(String(2), default="24", server_default="24")
    # iCalendar SEQUENCE: bumped on every change so calendars apply updates in order.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # What the invitee chose, snapshotted when booked: answers to the link's questions
    # ([{id, label, type, value}]), guest e-mail addresses, and the place (scheduling.places).
    # Untrusted, escaped wherever shown; only the host and the invitee see them.
    answers: Mapped[list | None] = mapped_column(JSON)
    guests: Mapped[list | None] = mapped_column(JSON)
    location: Mapped[dict | None] = mapped_column(JSON)
    cancel_reason: Mapped[str | None] = mapped_column(String(1000))
    cancelled_by: Mapped[str | None] = mapped_column(String(10))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last move: "invitee" or "host", and the optional reason given (shown in e-mails).
    rescheduled_by: Mapped[str | None] = mapped_column(String(10))
    reschedule_reason: Mapped[str | None] = mapped_column(String(1000))
    # A host asked the invitee to pick a new time (scheduling.proposals); cleared by the move.
    # `proposed_by` is the host's sub, a snapshot like the invitee's name.
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposed_by: Mapped[str | None] = mapped_column(String(40))
    proposal_message: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    link: Mapped[SchedulingLink] = relationship(back_populates="bookings")
    account: Mapped[Account] = relationship()
    seats: Mapped[list[BookingHost]] = relationship(
        back_populates="booking", order_by="BookingHost.id", cascade="all, delete-orphan"
    )


class BookingHost(Base):
    """A seat: one host attending a booking, with the booking's time and status copied so the
    database's overlap guard (exclusion constraint / triggers) can refuse two confirmed seats
    of one host that overlap."""

    __tablename__ = "booking_hosts"
    __table_args__ = (
        UniqueConstraint("booking_id", "account_id"),
        Index("ix_booking_hosts_host_time", "account_id", "start_at", "end_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="confirmed")

    booking: Mapped[Booking] = relationship(back_populates="seats")
    account: Mapped[Account] = relationship()


class OldSlug(Base):
    """A slug a host (`link_id` None) or a booking page had: its old address redirects to
    the current one while nobody else has taken it."""

    __tablename__ = "old_slugs"
    __table_args__ = (Index("ix_old_slugs_slug", "slug", "account_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("scheduling_links.id", ondelete="CASCADE")
    )
    slug: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyKey(Base):
    """A create request's stored answer, so a client's retry gets it again instead of a
    second link. Scoped per account; kept for 24 hours."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("account_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
