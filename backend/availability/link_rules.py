"""The hours a link offers: the host's rule the link names (issue 21's
`availability_rule_id`; else the default), with a booking page's own buffers, notice and
horizon over it, and a page's daily limit of bookings. Flask-free."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Booking
from .host_rules import host_rule
from .managed import RuleNotFound
from .rules import AvailabilityRule

# The link's column → the rule's field it overrides when set.
_OVERRIDES = (
    ("buffer_before_minutes", "buffer_before_minutes"),
    ("buffer_after_minutes", "buffer_after_minutes"),
    ("minimum_notice_minutes", "min_notice_minutes"),
    ("max_days_ahead", "max_days_ahead"),
)


def link_rule(session: Session, link, account) -> AvailabilityRule:
    """`account`'s rule as `link` applies it. The named rule is the owner's (other hosts of a
    team link keep their default); one deleted since the link was made reads as the default,
    as a link made without one would."""
    rule_id = getattr(link, "availability_rule_id", None)
    if account.id != link.account_id:
        rule_id = None
    try:
        rule = host_rule(session, account, rule_id)
    except RuleNotFound:
        rule = host_rule(session, account)
    changes = {}
    for column, field in _OVERRIDES:
        value = getattr(link, column, None)
        if value is not None:
            changes[field] = value
    return replace(rule, **changes) if changes else rule


def cache_key(link) -> tuple:
    """What of the link the offer depends on beyond hosts, duration and periods (a daily
    limit counts this link's own bookings, so the link itself then)."""
    limit = getattr(link, "daily_limit", None)
    return (
        getattr(link, "availability_rule_id", None),
        *(getattr(link, column, None) for column, _ in _OVERRIDES),
        (limit, link.id) if limit else None,
    )


def within_daily_limit(
    session: Session,
    link,
    slots: list,
    zone: str,
    moving_booking_id: int | None = None,
) -> list:
    """The slots on days (in `zone`, the owner's hours) with fewer confirmed bookings of the
    link than its `daily_limit`; all of them when it has none. One query over the slots'
    span (the `(link_id, start_at)` index), never over the link's whole history."""
    limit = getattr(link, "daily_limit", None)
    if not limit or not slots:
        return slots
    tz = ZoneInfo(zone)
    first = min(s[0] for s in slots) - timedelta(days=1)
    last = max(s[0] for s in slots) + timedelta(days=1)
    query = select(Booking.start_at).where(
        Booking.link_id == link.id,
        Booking.status == "confirmed",
        Booking.start_at >= first,
        Booking.start_at < last,
    )
    if moving_booking_id is not None:
        query = query.where(Booking.id != moving_booking_id)
    per_day = Counter(_day(start, tz) for start in session.scalars(query))
    return [s for s in slots if per_day[_day(s[0], tz)] < limit]


def _day(moment: datetime, tz: ZoneInfo):
    return moment.astimezone(tz).date()
