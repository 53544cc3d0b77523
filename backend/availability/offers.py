"""What a link offers: the host's free start times, from the availability engine. Flask-free."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import Account, Calendar, Event, SchedulingLink
from ..validation import parse_utc
from .engine import Group, Member, find_availability
from .managed import get_rule, period_spans, union
from .rules import AvailabilityRule
from .rules import rule_intervals as _rule_intervals

MAX_OFFERED = 2000


def host_rule(session: Session, account: Account, rule_id: str | None = None) -> AvailabilityRule:
    """The account's default rule, or the one named (managed.RuleNotFound when missing)."""
    return get_rule(session, account, rule_id)


def busy_intervals(
    session: Session,
    account_id: int,
    start: datetime,
    end: datetime,
    ignore_booking_id: int | None = None,
) -> list[tuple[datetime, datetime]]:
    """Busy time: every non-cancelled opaque event in the account's calendars (bookings too),
    except the booking being moved, if any."""
    query = (
        select(Event.start_at, Event.end_at)
        .join(Calendar, Calendar.id == Event.calendar_id)
        .where(
            Calendar.account_id == account_id,
            Event.status != "cancelled",
            Event.transparency == "opaque",
            or_(Event.participation_status.is_(None), Event.participation_status != "declined"),
            Event.start_at < end,
            Event.end_at > start,
        )
    )
    if ignore_booking_id is not None:
        query = query.where((Event.booking_id.is_(None)) | (Event.booking_id != ignore_booking_id))
    return [(s, e) for s, e in session.execute(query)]


def start_interval(duration_minutes: int) -> timedelta:
    return timedelta(minutes=15 if duration_minutes < 30 else 30)


def link_periods(
    link: SchedulingLink, now: datetime, window_days: int, until: datetime | None = None
) -> list[tuple]:
    """The periods a link may offer: its own query_periods or the next window_days, never
    past `until` (the link's expiry unless said otherwise)."""
    until = until or link.expires_at
    horizon = min(now + timedelta(days=window_days), until)
    if link.query_periods:
        raw = [(parse_utc(p["start"]), parse_utc(p["end"])) for p in link.query_periods]
    else:
        raw = [(now, horizon)]
    periods = []
    for start, end in raw:
        start, end = max(start, now), min(end, until)
        if end > start:
            periods.append((start, end))
    return periods


def offered_slots(
    session: Session,
    link: SchedulingLink,
    now: datetime,
    window_days: int,
    moving_booking_id: int | None = None,
) -> list[tuple[datetime, datetime]]:
    """Free starts for the link. When an existing booking is being moved, its own time is
    not busy and the link's expiry no longer limits the new time."""
    until = now + timedelta(days=window_days) if moving_booking_id else None
    periods = link_periods(link, now, window_days, until)
    if not periods:
        return []
    account = link.account
    rule = host_rule(session, account)
    before = timedelta(minutes=rule.buffer_before_minutes)
    after = timedelta(minutes=rule.buffer_after_minutes)
    first, last = min(p[0] for p in periods), max(p[1] for p in periods)
    host = Member(
        sub=account.sub,
        busy=busy_intervals(session, account.id, first - before, last + after, moving_booking_id),
        # the rule's hours plus the host's available periods (managed availability)
        available=union(
            _rule_intervals(rule, first, last, now), period_spans(session, account.id, first, last)
        ),
    )
    results = find_availability(
        [Group(members=[host], required="all")],
        periods,
        duration=timedelta(minutes=link.duration_minutes),
        buffer_before=before,
        buffer_after=after,
        start_interval=start_interval(link.duration_minutes),
        response_format="overlapping_slots",
        max_results=MAX_OFFERED,
    )
    return [(r.start, r.end) for r in results]
