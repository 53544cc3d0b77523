"""Reusable booking pages (Calendly's event types): a scheduling link of kind "page" — the
same row, the same booking page and the same `book` as one-time links — with a slug, the
durations the invitee may choose from, its own buffers, notice, horizon and daily limit over
an hours rule, and unlimited uses by default. Create, change, turn on and off, delete, list,
and the API's shape. Flask-free."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from ..conferencing import check_spec, parse_spec
from ..core.ids import looks_like_id, new_id
from ..core.text import clean_text
from ..core.validation import FieldErrors, format_utc
from ..models import Account, Booking, LinkHost, OldSlug, SchedulingLink
from .links import UNLIMITED_USES, LinkNotFound
from .places import parse_place
from .questions import allowed_guests, parse_max_guests, parse_questions
from .reminders import offsets, parse_reminders
from .rule_choice import check_rule_id
from .slugs import (
    KIND,
    ensure_host_slug,
    free_slug,
    page_slug_taken,
    remember_page_slug,
    slug_problem,
)

MAX_USES = 1_000_000
# Pages do not expire; `expires_at` is NOT NULL, so a date no one reaches.
NEVER = datetime(9000, 1, 1, tzinfo=UTC)
MAX_DURATIONS = 10
MAX_PAGES = 200
DEFAULT_SUMMARY = "Meeting"
# (field, low, high): a page's own rules over its hours rule; None keeps the rule's.
RULE_FIELDS = (
    ("buffer_before_minutes", 0, 1440),
    ("buffer_after_minutes", 0, 1440),
    ("minimum_notice_minutes", 0, 366 * 1440),
    ("max_days_ahead", 1, 3660),
    ("daily_limit", 1, 1000),
)
FIELDS = frozenset(
    {"slug", "summary", "durations", "questions", "max_guests", "place", "max_uses",
     "availability_rule_id", "reminders", "conferencing", "active"}
    | {name for name, _lo, _hi in RULE_FIELDS}
)  # fmt: skip


def _int(value, name, low, high, errors) -> int | None:
    if value is None:
        return None
    if type(value) is not int or not low <= value <= high:
        errors.add(name, "invalid", f"{name} must be a whole number from {low} to {high}.")
        return None
    return value


def parse_durations(raw: object, errors: FieldErrors) -> list[int] | None:
    """1 to 10 distinct lengths in minutes (1 to 1440), in the order the page offers them."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_DURATIONS:
        errors.add("durations", "invalid", f"Give 1 to {MAX_DURATIONS} durations in minutes.")
        return None
    if any(type(d) is not int or not 1 <= d <= 1440 for d in raw):
        errors.add("durations", "invalid", "Each duration is a whole number of minutes, 1-1440.")
        return None
    if len(set(raw)) != len(raw):
        errors.add("durations", "invalid", "Give each duration once.")
        return None
    return list(raw)


def _apply(session: Session, account: Account, link: SchedulingLink, payload: dict, now):
    """Validate every given field (all problems at once), then set them on `link`."""
    errors = FieldErrors()
    for name in sorted(set(payload) - FIELDS):
        errors.add(name, "unknown", f"{name} is not a field of a booking page.")
    values: dict = {}
    if "slug" in payload:
        slug = payload["slug"]
        problem = slug_problem(slug)
        if problem:
            errors.add("slug", "invalid", problem)
        elif page_slug_taken(session, account.id, slug, but=link.id):
            free = free_slug(slug, lambda s: page_slug_taken(session, account.id, s, link.id))
            errors.add("slug", "taken", f"You already have a page at “{slug}”; “{free}” is free.")
            errors.errors["slug"][-1]["suggestion"] = free
        else:
            values["slug"] = slug
    if "summary" in payload:
        summary = payload["summary"]
        text = clean_text(summary[:1200])[:300] if isinstance(summary, str) else ""
        if not text:
            errors.add("summary", "required", "A summary (the page's title) is required.")
        values["summary"] = text
    if "durations" in payload:
        durations = parse_durations(payload["durations"], errors)
        if durations:
            values["durations"], values["duration_minutes"] = durations, durations[0]
    if "questions" in payload:
        values["questions"] = parse_questions(payload["questions"], errors)
    if "max_guests" in payload:
        values["max_guests"] = parse_max_guests(payload["max_guests"], errors)
    if "place" in payload:
        values["place"] = parse_place(payload["place"], errors)
    if "reminders" in payload:
        values["reminders"] = parse_reminders(payload["reminders"], errors)
    if "conferencing" in payload:
        spec = parse_spec(payload["conferencing"], errors)
        values["conferencing"] = spec
    if "max_uses" in payload:
        uses = _int(payload["max_uses"], "max_uses", 1, MAX_USES, errors)
        values["max_uses"] = uses if payload["max_uses"] is not None else UNLIMITED_USES
    if "availability_rule_id" in payload:
        rule_id = check_rule_id(session, account, payload["availability_rule_id"], errors)
        values["availability_rule_id"] = rule_id
    for name, low, high in RULE_FIELDS:
        if name in payload:
            values[name] = _int(payload[name], name, low, high, errors)
    if "active" in payload:
        if not isinstance(payload["active"], bool):
            errors.add("active", "invalid", "active must be true or false.")
        values["active"] = payload["active"]
    errors.raise_if_any()
    spec = values.pop("conferencing", None)
    if "conferencing" in payload:
        check_spec(session, account, spec)
        link.conferencing = spec.to_json() if spec else None
    active = values.pop("active", link.status != "disabled")
    if "slug" in values:
        remember_page_slug(session, link, values["slug"], now)
    for name, value in values.items():
        setattr(link, name, value)
    # On: open while uses remain (a raised max_uses opens a used-up page again).
    link.status = "disabled" if not active else "open" if link.uses < link.max_uses else "completed"


def create_page(
    session: Session, account: Account, payload: object, now: datetime, reserved: frozenset[str]
) -> SchedulingLink:
    """A new page; the host gets a slug of their own first if they have none (from their
    name). `reserved`: the app's path prefixes, which no host slug may be."""
    errors = FieldErrors()
    if not isinstance(payload, dict):
        errors.add("body", "invalid", "The request body must be a JSON object.")
        errors.raise_if_any()
    for name in ("slug", "durations"):
        if name not in payload:
            errors.add(name, "required", f"{name} is required.")
    count = session.scalar(
        select(SchedulingLink.id)
        .where(SchedulingLink.account_id == account.id, SchedulingLink.slug.is_not(None))
        .offset(MAX_PAGES - 1)
        .limit(1)
    )
    if count is not None:
        errors.add("slug", "too_many", f"You can have at most {MAX_PAGES} booking pages.")
    errors.raise_if_any()
    link = SchedulingLink(
        public_id=new_id("bp"), account_id=account.id, kind=KIND, contact={}, uses=0,
        summary=DEFAULT_SUMMARY, duration_minutes=30, expires_at=NEVER,
        max_uses=UNLIMITED_USES, status="open", hosts_required="all", created_at=now,
    )  # fmt: skip
    _apply(session, account, link, {"summary": DEFAULT_SUMMARY, **payload}, now)
    ensure_host_slug(session, account, reserved, now)
    link.hosts = [LinkHost(account_id=account.id, position=0)]
    session.add(link)
    session.flush()
    return link


def update_page(session: Session, account: Account, link: SchedulingLink, payload, now):
    if not isinstance(payload, dict):
        errors = FieldErrors()
        errors.add("body", "invalid", "The request body must be a JSON object.")
        errors.raise_if_any()
    _apply(session, account, link, payload, now)
    session.flush()
    return link


def get_page(
    session: Session, account: Account, public_id: str, for_update: bool = False
) -> SchedulingLink:
    if not isinstance(public_id, str) or not looks_like_id(public_id, "bp"):
        raise LinkNotFound(public_id)
    query = select(SchedulingLink).where(
        SchedulingLink.public_id == public_id,
        SchedulingLink.account_id == account.id,
        SchedulingLink.kind == KIND,
        SchedulingLink.slug.is_not(None),  # a deleted page with bookings keeps its row
    )
    link = session.scalar(query.with_for_update() if for_update else query)
    if link is None:
        raise LinkNotFound(public_id)
    return link


def list_pages(session: Session, account: Account, active_only: bool = False):
    query = select(SchedulingLink).where(
        SchedulingLink.account_id == account.id,
        SchedulingLink.kind == KIND,
        SchedulingLink.slug.is_not(None),
    )
    if active_only:
        query = query.where(SchedulingLink.status == "open")
    return list(session.scalars(query.order_by(SchedulingLink.summary, SchedulingLink.id)))


def delete_page(session: Session, link: SchedulingLink) -> None:
    """Gone from its address at once. A page that was booked keeps its row, off and without
    a slug, so its bookings (and their manage links) stay; one never booked is removed."""
    session.execute(delete(OldSlug).where(OldSlug.link_id == link.id))
    booked = session.scalar(select(exists().where(Booking.link_id == link.id)))
    if booked:
        link.slug, link.status = None, "disabled"
    else:
        session.delete(link)
    session.flush()


def page_url(base_url: str, host_slug: str | None, link) -> str:
    return f"{base_url}/{host_slug}/{link.slug}"


def page_to_dict(link: SchedulingLink, url: str) -> dict:
    data = {
        "booking_page_id": link.public_id,
        "url": url,
        "slug": link.slug,
        "summary": link.summary,
        "durations": link.durations or [link.duration_minutes],
        "active": link.status == "open",
        "questions": link.questions or [],
        "max_guests": allowed_guests(link),
        "place": link.place,
        "reminders": offsets(link),
        "conferencing": link.conferencing or {"profile_id": "default"},
        "max_uses": None if link.max_uses >= UNLIMITED_USES else link.max_uses,
        "uses": link.uses,
        "availability_rule_id": link.availability_rule_id,
        "created_at": format_utc(link.created_at),
    }
    for name, _low, _high in RULE_FIELDS:
        data[name] = getattr(link, name)
    return data
