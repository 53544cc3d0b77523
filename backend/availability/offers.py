"""What a link offers: its hosts' free start times, from the availability engine. A link's
hosts are one participant group in the engine's own shape (`required` "all": collective, 1:
round robin), so a link's offer and `POST /v1/availability` cannot disagree. Flask-free."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..core.validation import parse_utc
from ..models import Account, Calendar, Event, LinkHost, SchedulingLink
from .engine import Group, Member, find_availability
from .host_rules import host_rule
from .link_rules import link_rule, within_daily_limit
from .managed import period_spans, union
from .query import MemberCalendar, parse_query, resolve
from .rules import rule_intervals as _rule_intervals
from .sequence import parse_sequence
from .sequence_solve import load_calendars, resolve_sequence

__all__ = ["host_rule"]  # re-exported: its home is .host_rules

MAX_OFFERED = 2000


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


@dataclass(frozen=True)
class Team:
    """A link's hosts in `position` order: those still offered, and those left out because
    they are no longer in the owner's organization (a collective link then offers nothing)."""

    hosts: tuple[Any, ...]  # Account rows (or the link view's host for a one-host link)
    removed: tuple[Any, ...]
    required: int | Literal["all"]

    @property
    def collective(self) -> bool:
        return self.required == "all"

    @property
    def is_team(self) -> bool:
        return len(self.hosts) + len(self.removed) > 1


def required_of(link) -> int | Literal["all"]:
    return 1 if getattr(link, "hosts_required", "all") == "1" else "all"


def link_team(session: Session, link) -> Team:
    """Who hosts `link`. One query; none for a view that knows it has no other host."""
    if getattr(link, "team", True) is False:
        return Team((link.account,), (), "all")
    rows = list(
        session.scalars(
            select(Account)
            .join(LinkHost, LinkHost.account_id == Account.id)
            .where(LinkHost.link_id == link.id)
            .order_by(LinkHost.position)
        )
    )
    if not rows or (len(rows) == 1 and rows[0].id == link.account_id):
        return Team((rows[0] if rows else link.account,), (), "all")
    owner_org = session.scalar(select(Account.organization_id).where(Account.id == link.account_id))

    def member(a: Account) -> bool:
        return a.id == link.account_id or (owner_org is not None and a.organization_id == owner_org)

    return Team(
        tuple(a for a in rows if member(a)),
        tuple(a for a in rows if not member(a)),
        required_of(link),
    )


def offered_slots(
    session: Session,
    link: SchedulingLink,
    now: datetime,
    window_days: int,
    moving_booking_id: int | None = None,
    duration_minutes: int | None = None,
) -> list[tuple[datetime, datetime]]:
    """Free starts for the link. When an existing booking is being moved, its own time is
    not busy and the link's expiry no longer limits the new time. `duration_minutes`: one
    of a booking page's durations (else the link's own)."""
    found = offered_with_hosts(
        session, link, now, window_days, moving_booking_id, duration_minutes=duration_minutes
    )
    return [(start, end) for start, end, _ in found]


def offered_with_hosts(
    session: Session,
    link: SchedulingLink,
    now: datetime,
    window_days: int,
    moving_booking_id: int | None = None,
    team: Team | None = None,
    duration_minutes: int | None = None,
) -> list[tuple[datetime, datetime, tuple[str, ...]]]:
    """Free starts for the link, each with the subs of the hosts free then (every host for a
    collective link; those of a round-robin team who could take it)."""
    minutes = duration_minutes or link.duration_minutes
    team = team or link_team(session, link)
    if getattr(link, "rts_query", None):  # a real-time scheduling link: its own query
        return query_offer(session, link, now, team, moving_booking_id)
    if team.collective and team.removed or not team.hosts:
        return []  # a collective meeting needs everyone; a round robin with no one left
    until = now + timedelta(days=window_days) if moving_booking_id else None
    periods = link_periods(link, now, window_days, until)
    if not periods:
        return []
    first, last = min(p[0] for p in periods), max(p[1] for p in periods)
    rules = [link_rule(session, link, account) for account in team.hosts]
    buffers = {(r.buffer_before_minutes, r.buffer_after_minutes) for r in rules}
    shared = len(buffers) == 1  # the engine widens busy time; else each host's own, here
    members = []
    for account, rule in zip(team.hosts, rules, strict=True):
        before = timedelta(minutes=rule.buffer_before_minutes)
        after = timedelta(minutes=rule.buffer_after_minutes)
        busy = busy_intervals(session, account.id, first - before, last + after, moving_booking_id)
        if not shared and (before or after):
            busy = [(s - after, e + before) for s, e in busy]
        # the rule's hours plus the host's available periods (managed availability)
        available = union(
            _rule_intervals(rule, first, last, now), period_spans(session, account.id, first, last)
        )
        members.append(Member(sub=account.sub, busy=busy, available=available))
    before = after = timedelta(0)
    if shared:
        before, after = (timedelta(minutes=m) for m in next(iter(buffers)))
    results = find_availability(
        [Group(members=members, required=team.required)],
        periods,
        duration=timedelta(minutes=minutes),
        buffer_before=before,
        buffer_after=after,
        start_interval=start_interval(minutes),
        response_format="overlapping_slots",
        max_results=MAX_OFFERED,
    )
    found = [(r.start, r.end, r.participants) for r in results]
    return within_daily_limit(session, link, found, rules[0].tzid, moving_booking_id)


def query_offer(
    session: Session, link, now: datetime, team: Team, moving_booking_id: int | None = None
) -> list[tuple[datetime, datetime, tuple[str, ...]]]:
    """What a real-time scheduling link offers: its stored Cronofy availability query (the
    same `parse_query` and `resolve` as `POST /v1/availability`, groups and `required` as
    given), as overlapping slots, nothing sooner than its minimum notice. A member who is no
    longer a host (left the owner's organization) is busy throughout."""
    if "sequence" in link.rts_query:
        return sequence_offer(session, link, now, team, moving_booking_id)
    query = parse_query(link.rts_query, max_periods=10_000, max_span_days=10_000, max_members=1000)
    query = replace(query, response_format="overlapping_slots", max_results=MAX_OFFERED)
    start, end = query.window()
    accounts = {a.sub: a for a in team.hosts}
    calendars = {}
    for sub in query.subs():
        account = accounts.get(sub)
        if account is None:
            calendars[sub] = MemberCalendar(busy=[(start, end)], rule=None)
        else:
            busy = busy_intervals(session, account.id, start, end, moving_booking_id)
            calendars[sub] = MemberCalendar(busy=busy, rule=host_rule(session, account))
    notice = timedelta(minutes=getattr(link, "minimum_notice_minutes", None) or 0)
    return [
        (r.start, r.end, tuple(r.participants)) for r in resolve(query, calendars, now + notice)
    ]


class Chosen(tuple):
    """The subs free for an option of a real-time sequencing link, with its `placements`
    (every step's time and participants), which `book` hands to the link's hook."""

    placements: tuple = ()


def sequence_offer(
    session: Session, link, now: datetime, team: Team, moving_booking_id: int | None = None
) -> list[tuple]:
    """A real-time sequencing link: the stored sequence (the same `parse_sequence` and solver
    as `POST /v1/sequenced_availability`); one offer per option, from its first step's start
    to its last step's end. Nothing if a step's participant is no longer a host. For a move,
    the booking's own step events are not busy: whole options are offered again."""
    query = parse_sequence(link.rts_query, max_periods=10_000, max_span_days=10_000)
    accounts = {a.sub: a for a in team.hosts}
    if any(sub not in accounts for sub, _ in query.calendar_keys()):
        return []
    notice = timedelta(minutes=getattr(link, "minimum_notice_minutes", None) or 0)
    out = []
    for option in resolve_sequence(
        query, load_calendars(session, query, accounts, moving_booking_id), now + notice
    ):
        subs = Chosen(dict.fromkeys(sub for p in option for sub in p.participants))
        subs.placements = option
        out.append((option[0].start, option[-1].end, subs))
    return out
