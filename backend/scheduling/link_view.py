"""A read-only view of a link and its host for the public pages: one Core select instead of
an ORM load with a join, since the booking page is the hottest read in the product. The
attribute names match the ORM objects, so offers and templates take either."""

from __future__ import annotations

from dataclasses import MISSING, dataclass
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


class _DriverQuery:
    """`_BY_PUBLIC_ID` compiled once per dialect and run on the driver's cursor of the
    session's connection (same transaction), its values converted by the column types' own
    result processors, as SQLAlchemy's result does. SQLAlchemy's execute costs ~70 us around
    a ~9 us query here; this is the booking page's one query."""

    def __init__(self, dialect):
        compiled = _BY_PUBLIC_ID.compile(dialect=dialect)
        self.sql = compiled.string
        self.positional = compiled.positional
        self.order = compiled.positiontup
        self.types = [column[3] for column in compiled._result_columns]
        self.names = [column[0] for column in compiled._result_columns]
        self.dialect = dialect
        self.processors = None  # from the first cursor.description (a driver's type codes)

    def one_or_none(self, connection, public_id: str):
        values = {"public_id": public_id}
        params = tuple(values[name] for name in self.order) if self.positional else values
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
            if self.processors is None:
                self.processors = [
                    type_._cached_result_processor(self.dialect, description[1])
                    for type_, description in zip(self.types, cursor.description, strict=True)
                ]
        finally:
            cursor.close()
        if row is None:
            return None
        return {
            name: (value if processor is None or value is None else processor(value))
            for name, processor, value in zip(self.names, self.processors, row, strict=True)
        }


_DRIVER_QUERIES: dict[str, _DriverQuery] = {}


def _new(cls, fields: dict):
    """A frozen dataclass made from a dict without its __init__'s per-field
    object.__setattr__ (a LinkView has 27 fields); dataclass defaults filled in."""
    obj = object.__new__(cls)
    obj.__dict__.update(cls._defaults)
    obj.__dict__.update(fields)
    return obj


LinkView._defaults = {
    f.name: f.default for f in LinkView.__dataclass_fields__.values() if f.default is not MISSING
}
HostView._defaults = {}
_HOST_FIELDS = ("sub", "name", "tzid", "availability_version", "email", "show_email")
_LINK_FIELDS = tuple(f for f in LinkView.__dataclass_fields__ if f != "account")


def load_link_view(session: Session, public_id: str) -> LinkView:
    connection = session.connection()
    dialect = connection.dialect
    query = _DRIVER_QUERIES.get(dialect.name)
    if query is None:
        query = _DRIVER_QUERIES[dialect.name] = _DriverQuery(dialect)
    row = query.one_or_none(connection, public_id)
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
    return _view(dict(row._mapping))


def _view(row: dict) -> LinkView:
    host = {name: row[name] for name in _HOST_FIELDS}
    host["id"] = row["account_id"]
    host["show_email"] = bool(host["show_email"])
    fields = {name: row[name] for name in _LINK_FIELDS if name in row}
    fields["team"] = bool(fields["team"])
    fields["account"] = _new(HostView, host)
    return _new(LinkView, fields)
