"""A read-only view of a link and its host for the public pages: one Core select instead of
an ORM load with a join, since the booking page is the hottest read in the product. The
attribute names match the ORM objects, so offers and templates take either."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, exists, select
from sqlalchemy.orm import Session

from ..models import Account, LinkHost, SchedulingLink
from .links import LinkNotFound


@dataclass(frozen=True)
class HostView:
    id: int
    sub: str
    name: str
    tzid: str
    availability_version: int
    email: str
    show_email: bool


@dataclass(frozen=True)
class LinkView:
    id: int
    public_id: str
    account_id: int
    account: HostView
    contact: dict | None
    summary: str
    duration_minutes: int
    expires_at: datetime
    max_uses: int
    uses: int
    status: str
    display_message: str | None
    query_periods: list | None
    redirect_url: str | None
    hosts_required: str = "all"
    # Whether the link has a host besides its owner (else the owner alone hosts it).
    team: bool = False
    # Real-time scheduling (kind "real_time"): its availability query and callbacks.
    kind: str = "one_time"
    rts_query: dict | None = None
    minimum_notice_minutes: int | None = None
    callback_urls: dict | None = None
    no_times_reported_at: datetime | None = None
    questions: list | None = None
    max_guests: int | None = None
    place: dict | None = None
    # Issue 21's hours rule; a booking page's (kind "page") slug, durations and own rules.
    availability_rule_id: str | None = None
    slug: str | None = None
    durations: list | None = None
    buffer_before_minutes: int | None = None
    buffer_after_minutes: int | None = None
    max_days_ahead: int | None = None
    daily_limit: int | None = None
    host_slug: str | None = None


_LINK = SchedulingLink.__table__.c
_HOST = Account.__table__.c
_SEATS = LinkHost.__table__.c
_TEAM = (
    exists()
    .where(and_(_SEATS.link_id == _LINK.id, _SEATS.account_id != _LINK.account_id))
    .label("team")
)
_QUERY = (
    select(
        _LINK.id, _LINK.public_id, _LINK.account_id, _LINK.contact, _LINK.summary,
        _LINK.duration_minutes, _LINK.expires_at, _LINK.max_uses, _LINK.uses, _LINK.status,
        _LINK.display_message, _LINK.query_periods, _LINK.redirect_url,
        _HOST.sub, _HOST.name, _HOST.tzid, _HOST.availability_version, _HOST.email,
        _HOST.show_email, _LINK.hosts_required, _TEAM,
        _LINK.kind, _LINK.rts_query, _LINK.minimum_notice_minutes, _LINK.callback_urls,
        _LINK.no_times_reported_at,
        _LINK.questions, _LINK.max_guests, _LINK.place,
        _LINK.availability_rule_id, _LINK.slug, _LINK.durations, _LINK.buffer_before_minutes,
        _LINK.buffer_after_minutes, _LINK.max_days_ahead, _LINK.daily_limit,
        _HOST.slug.label("host_slug"),
    )
    .join_from(SchedulingLink.__table__, Account.__table__, _HOST.id == _LINK.account_id)
)  # fmt: skip


_BY_PUBLIC_ID = _QUERY.where(_LINK.public_id == bindparam("public_id"))
# A booking page by its address: the host's slug, then the page's (one unique index each).
_BY_SLUGS = _QUERY.where(
    _HOST.slug == bindparam("host_slug"),
    _LINK.account_id == _HOST.id,
    _LINK.slug == bindparam("slug"),
    _LINK.kind == "page",
)


def load_link_view(session: Session, public_id: str) -> LinkView:
    row = session.connection().execute(_BY_PUBLIC_ID, {"public_id": public_id}).one_or_none()
    if row is None:
        raise LinkNotFound(public_id)
    return _view(row)


def load_page_view(session: Session, host_slug: str, slug: str) -> LinkView:
    """The booking page at /<host_slug>/<slug> (LinkNotFound when there is none)."""
    row = (
        session.connection()
        .execute(_BY_SLUGS, {"host_slug": host_slug, "slug": slug})
        .one_or_none()
    )
    if row is None:
        raise LinkNotFound(f"{host_slug}/{slug}")
    return _view(row)


def _view(row) -> LinkView:
    host = HostView(
        row.account_id,
        row.sub,
        row.name,
        row.tzid,
        row.availability_version,
        row.email,
        bool(row.show_email),
    )
    return LinkView(
        id=row.id, public_id=row.public_id, account_id=row.account_id, account=host,
        contact=row.contact, summary=row.summary, duration_minutes=row.duration_minutes,
        expires_at=row.expires_at, max_uses=row.max_uses, uses=row.uses, status=row.status,
        display_message=row.display_message, query_periods=row.query_periods,
        redirect_url=row.redirect_url, hosts_required=row.hosts_required, team=bool(row.team),
        kind=row.kind, rts_query=row.rts_query,
        minimum_notice_minutes=row.minimum_notice_minutes, callback_urls=row.callback_urls,
        no_times_reported_at=row.no_times_reported_at,
        questions=row.questions, max_guests=row.max_guests, place=row.place,
        availability_rule_id=row.availability_rule_id, slug=row.slug, durations=row.durations,
        buffer_before_minutes=row.buffer_before_minutes,
        buffer_after_minutes=row.buffer_after_minutes, max_days_ahead=row.max_days_ahead,
        daily_limit=row.daily_limit, host_slug=row.host_slug,
    )  # fmt: skip
