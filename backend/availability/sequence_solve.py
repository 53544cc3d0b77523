"""Sequenced Availability: solve a parsed `SequenceQuery` (the rules: `sequence` module).

Each step's free starts come from the availability engine (`overlapping_slots` on the step's
grid, its participants, buffers and available periods) as a sorted list of epoch seconds. A
backward pass keeps only the starts from which the rest of the chain can be completed (one
bisect per start into the next step's kept starts), so the forward pass, one option per
first-step start, picks each later step's earliest kept start in its gap window without
backtracking. Flask-free; `solve_sequence` reads busy time and rules through a session.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Account, Calendar, Event
from .engine import Group, Member, find_availability
from .host_rules import host_rule
from .query import MemberCalendar, _rfc3339, intersect
from .rules import rule_intervals
from .sequence import CalendarKey, Option, Placement, SequenceQuery, Span, Step


def foreign_calendars(
    session: Session, query: SequenceQuery, accounts: Mapping[str, Account]
) -> dict[str, list[dict[str, str]]]:
    """422 errors for calendar_ids that are not calendars of their member's account, keyed by
    field path (`sequence[0].participants[0].members[1].calendar_ids`)."""
    wanted = {c for _, ids in query.calendar_keys() if ids for c in ids}
    owner = (
        dict(
            session.execute(
                select(Calendar.public_id, Calendar.account_id).where(
                    Calendar.public_id.in_(wanted)
                )
            ).all()
        )
        if wanted
        else {}
    )
    errors: dict[str, list[dict[str, str]]] = {}
    for st in query.steps:
        for gi, mj, spec, (_, ids) in st.members():
            account = accounts.get(spec.sub)
            if account is None or not ids:
                continue
            if any(owner.get(c) != account.id for c in ids):
                field = f"sequence[{st.index}].participants[{gi}].members[{mj}].calendar_ids"
                errors[field] = [
                    {"key": "errors.unknown_calendar",
                     "description": "Not a calendar of this participant."}
                ]  # fmt: skip
    return errors


def load_calendars(
    session: Session,
    query: SequenceQuery,
    accounts: Mapping[str, Account],
    ignore_booking_id: int | None = None,
) -> dict[CalendarKey, MemberCalendar]:
    """Busy time (within the query's window) and working-hours rule for every (sub,
    calendar_ids) the query names; `accounts` maps each sub to its (visible) account. The
    events of `ignore_booking_id` (a booking being moved) are not busy."""
    start, end = query.window()
    rules = {}
    out = {}
    for sub, ids in query.calendar_keys():
        account = accounts[sub]
        if sub not in rules:
            rules[sub] = host_rule(session, account)
        q = (
            select(Event.start_at, Event.end_at)
            .join(Calendar, Calendar.id == Event.calendar_id)
            .where(
                Calendar.account_id == account.id,
                Event.status != "cancelled",
                Event.transparency == "opaque",
                Event.start_at < end,
                Event.end_at > start,
            )
        )
        if ids is not None:
            q = q.where(Calendar.public_id.in_(ids))
        if ignore_booking_id is not None:
            q = q.where(Event.booking_id.is_(None) | (Event.booking_id != ignore_booking_id))
        out[(sub, ids)] = MemberCalendar(
            busy=[(s, e) for s, e in session.execute(q)], rule=rules[sub]
        )
    return out


def solve_sequence(
    session: Session, query: SequenceQuery, accounts: Mapping[str, Account], now: datetime
) -> list[Option]:
    """The options for a parsed query whose subs are all in `accounts` (the caller checks
    they may be queried, and their calendar_ids with `foreign_calendars`)."""
    return resolve_sequence(query, load_calendars(session, query, accounts), now)


def resolve_sequence(
    query: SequenceQuery, calendars: Mapping[CalendarKey, MemberCalendar], now: datetime
) -> list[Option]:
    """The options (see the module docstring). `calendars` holds each member's busy time and
    rule by (sub, calendar_ids); nothing starts before `now`."""
    free: list[list[int]] = []
    who: list[dict[int, tuple[str, ...]]] = []
    for st in query.steps:
        results = _step_slots(st, query.query_periods, calendars, now)
        free.append([int(r.start.timestamp()) for r in results])
        who.append({int(r.start.timestamp()): r.participants for r in results})
    durs = [int(st.duration.total_seconds()) for st in query.steps]
    gaps = [query.gap(i) for i in range(len(query.steps) - 1)]
    # backward: keep the starts from which the rest of the chain can be completed
    feasible = [free[-1]]
    for i in range(len(free) - 2, -1, -1):
        nxt, (lo, hi), d = feasible[0], gaps[i], durs[i]
        keep = []
        for s in free[i]:
            j = bisect_left(nxt, s + d + lo)
            if j < len(nxt) and (hi is None or nxt[j] <= s + d + hi):
                keep.append(s)
        feasible.insert(0, keep)
    options: list[Option] = []
    for s in feasible[0][: query.max_results]:
        chain = [s]
        for i in range(1, len(free)):
            earliest = chain[-1] + durs[i - 1] + gaps[i - 1][0]
            chain.append(feasible[i][bisect_left(feasible[i], earliest)])
        options.append(
            tuple(
                Placement(st.sequence_id, _dt(t), _dt(t + d), who[i][t])
                for i, (st, t, d) in enumerate(zip(query.steps, chain, durs, strict=True))
            )
        )
    return options


def _step_slots(st: Step, root: Sequence[Span], calendars, now):
    periods = [(max(a, now), b) for a, b in root if b > max(a, now)]
    if st.available_periods is not None:
        periods = intersect(periods, st.available_periods)
    if not periods:
        return []
    lo, hi = min(a for a, _ in periods), max(b for _, b in periods)
    out_groups = []
    for gi, g in enumerate(st.groups):
        members = []
        for mj, spec in enumerate(g.members):
            cal = calendars[(spec.sub, st.calendar_ids[gi][mj])]
            available: list[Span] | None = None
            if spec.managed_availability and cal.rule is not None:
                available = rule_intervals(cal.rule, lo, hi, now)
            if spec.available_periods is not None:
                own = list(spec.available_periods)
                available = own if available is None else intersect(available, own)
            members.append(Member(spec.sub, cal.busy, available))
        out_groups.append(Group(members, g.required))
    return find_availability(
        out_groups,
        periods,
        duration=st.duration,
        buffer_before=timedelta(minutes=st.before.minutes),
        buffer_after=timedelta(minutes=st.after.minutes),
        start_interval=st.start_interval,
        response_format="overlapping_slots",
        max_results=None,
    )


def render_sequences(options: Sequence[Option]) -> dict:
    return {
        "sequences": [
            {
                "sequence": [
                    {
                        "sequence_id": p.sequence_id,
                        "start": _rfc3339(p.start),
                        "end": _rfc3339(p.end),
                        "participants": [{"sub": s} for s in p.participants],
                    }
                    for p in option
                ]
            }
            for option in options
        ]
    }


def _dt(x: int) -> datetime:
    return datetime.fromtimestamp(x, UTC)
