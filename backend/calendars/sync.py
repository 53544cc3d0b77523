"""Syncing a calendar profile: read its source outside any transaction, then store what it
holds in one short write (diffed, so an unchanged source writes nothing and the host's slot
cache stays warm). A failing source keeps its last good events, says why in `sync_error`, and
is retried with backoff. Flask-free: the outbox worker runs `run_sync` as a job."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from .. import metrics
from ..connections import ProfileDisconnected
from ..core import database
from ..core.ids import new_id
from ..models import (
    Account,
    BookingWrite,
    Calendar,
    CalendarSync,
    Conference,
    Event,
    Job,
    Profile,
)
from .changes import EventChanges, events_changed
from .sources import (
    FeedInvalid,
    RemoteCalendar,
    Source,
    SourceDisconnected,
    SourceError,
    SyncContext,
    SyncedEvent,
)

log = logging.getLogger(__name__)

SYNC_PAST = timedelta(days=7)
SYNC_FUTURE = timedelta(days=400)
BACKOFF_FIRST = 60
BACKOFF_MAX = 6 * 3600
PARTIAL_INTERVAL = 3600  # seconds between syncs of a calendar stored without some events
CALENDAR_PURPOSE = "calendar"
SYNCED_PROVIDERS = ("ics", "caldav", "google", "microsoft")


def backoff(failures: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, failures - 1)))


def sync_window(now: datetime) -> tuple[datetime, datetime]:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - SYNC_PAST, day + SYNC_FUTURE


# --- scheduling syncs ---------------------------------------------------------------------


def start_syncing(
    session: Session, profile: Profile, now: datetime, interval: int = 300
) -> CalendarSync:
    """A new (or re-linked) calendar profile: sync it now, and every interval after."""
    state = session.get(CalendarSync, profile.id)
    if state is None:
        state = CalendarSync(
            profile_id=profile.id, account_id=profile.account_id, initial_sync_required=True,
            failures=0, next_sync_at=now,
        )  # fmt: skip
        session.add(state)
    session.flush()
    request_sync(session, profile, state, now, interval)
    return state


def request_sync(
    session: Session, profile: Profile, state: CalendarSync, now: datetime, interval: int = 300
) -> None:
    session.add(Job(kind="calendar.sync", payload={"profile_id": profile.public_id}, run_at=now))
    state.next_sync_at = now + timedelta(seconds=interval)


def _unscheduled(s: Session) -> list[Profile]:
    """Calendar profiles linked by OAuth (the shared callback knows nothing of syncing)."""
    rows = s.scalars(
        select(Profile)
        .outerjoin(CalendarSync, CalendarSync.profile_id == Profile.id)
        .where(
            CalendarSync.profile_id.is_(None),
            Profile.connected.is_(True),
            Profile.provider_name.in_(SYNCED_PROVIDERS),
        )
    )
    return [p for p in rows if CALENDAR_PURPOSE in (p.purposes or [])]


def enqueue_due_syncs(sessions: sessionmaker, now: datetime, interval: int) -> int:
    """Add a sync job for every connected calendar profile whose time has come."""
    with sessions() as s:
        due = s.scalar(
            select(CalendarSync.profile_id)
            .join(Profile, Profile.id == CalendarSync.profile_id)
            .where(CalendarSync.next_sync_at <= now, Profile.connected.is_(True))
            .limit(1)
        )
        new = _unscheduled(s)
    if due is None and not new:  # the common case: cheap reads, no write lock
        return 0
    with database.write(sessions) as s:
        for profile in _unscheduled(s):
            start_syncing(s, profile, now, interval)
        rows = s.execute(
            select(CalendarSync, Profile.public_id)
            .join(Profile, Profile.id == CalendarSync.profile_id)
            .where(CalendarSync.next_sync_at <= now, Profile.connected.is_(True))
        ).all()
        for state, public_id in rows:
            s.add(Job(kind="calendar.sync", payload={"profile_id": public_id}, run_at=now))
            state.next_sync_at = now + timedelta(seconds=interval)
        return len(rows)


# --- running one sync ---------------------------------------------------------------------


def run_sync(
    sessions: sessionmaker,
    profile_public_id: str,
    sources: Mapping[str, Source],
    services: Mapping[str, Any],
    now: datetime,
    interval: int,
    read_credentials: Callable[[Profile], dict],
) -> bool | None:
    """Sync one profile. Returns whether stored events changed; None when it was not synced
    (gone, disconnected, or the source failed: that is recorded on the profile)."""
    with sessions() as s:
        row = s.execute(
            select(Profile, Account)
            .join(Account, Account.id == Profile.account_id)
            .where(Profile.public_id == profile_public_id)
        ).first()
        if row is None:
            return None
        profile, account = row
        if not profile.connected or CALENDAR_PURPOSE not in (profile.purposes or []):
            return None
        source = sources.get(profile.provider_name)
        if source is None:
            return None
        known = dict(
            s.execute(
                select(Calendar.external_id, Calendar.sync_token).where(
                    Calendar.profile_id == profile.id, Calendar.deleted.is_(False)
                )
            ).all()
        )
        start, end = sync_window(now)
        profile_id = profile.id
        try:
            credentials = read_credentials(profile)
        except ProfileDisconnected as exc:  # sealed with a key the server no longer has
            credentials = None
            unreadable = str(exc)
        context = SyncContext(
            provider_name=profile.provider_name, profile_public_id=profile.public_id,
            credentials=credentials or {}, known=known, start=start, end=end,
            tzid=account.tzid, owners=_owners(account, profile), now=now, services=services,
        )  # fmt: skip
    provider, started = context.provider_name, time.perf_counter()
    if credentials is None:
        _failed(sessions, profile_id, unreadable, now, disconnect=True)
        _measured(provider, "error", started)
        return None
    try:
        remote = source(context)
    except (SourceError, FeedInvalid) as exc:
        _failed(sessions, profile_id, str(exc), now, disconnect=isinstance(exc, SourceDisconnected))
        _measured(provider, "error", started)
        return None
    with database.write(sessions) as s:
        profile = s.get(Profile, profile_id)
        if profile is None or not profile.connected:
            return None  # revoked while we were reading: store nothing
        changed = apply(s, profile, remote)
        state = _state(s, profile)
        state.initial_sync_required = False
        state.last_synced_at = now
        problems = [p for item in remote for p in item.left_out.sentences]
        if problems or _read_anything(remote) or state.failures:
            # Stored, but some events were left out: say which (None when all were read).
            state.sync_error = " ".join(problems)[:1000] or None
        # else: nothing read again (unchanged today), so what was left out still is.
        state.failures = 0
        # A calendar that uses its expansion budget costs that much each time it is read:
        # read it hourly at most (the host's "Sync now" still reads it at once).
        costly = any(item.left_out.costly for item in remote)
        wait = max(interval, PARTIAL_INTERVAL) if costly else interval
        state.next_sync_at = now + timedelta(seconds=wait)
    _measured(provider, "ok", started)
    return changed


def _read_anything(remote: list[RemoteCalendar]) -> bool:
    return any(item.events is not None or item.delta for item in remote)


def _measured(provider: str, outcome: str, started: float) -> None:
    metrics.CALENDAR_SYNCS.labels(provider, outcome).inc()
    metrics.CALENDAR_SYNC_SECONDS.labels(provider).observe(time.perf_counter() - started)


def _owners(account: Account, profile: Profile) -> tuple[str, ...]:
    return tuple(a for a in (account.email, profile.external_id) if a and "@" in a)


def _state(s: Session, profile: Profile) -> CalendarSync:
    state = s.get(CalendarSync, profile.id)
    if state is None:
        state = CalendarSync(
            profile_id=profile.id, account_id=profile.account_id, initial_sync_required=True,
            failures=0,
        )  # fmt: skip
        s.add(state)
    return state


def _failed(sessions, profile_id: int, message: str, now: datetime, disconnect: bool) -> None:
    log.info("calendar profile %s: sync failed: %s", profile_id, message)
    with database.write(sessions) as s:
        profile = s.get(Profile, profile_id)
        if profile is None:
            return
        state = _state(s, profile)
        state.sync_error = message[:1000]
        state.failures = (state.failures or 0) + 1
        # A disconnected profile is not synced until linked again; then at once.
        state.next_sync_at = now if disconnect else now + backoff(state.failures)
        if disconnect and profile.connected:  # the token getter already did this for OAuth
            profile.connected = False
            profile.disconnected_reason = message[:1000]
            s.add(Job(kind="calendar.disconnected", payload={"profile_id": profile.public_id}))


# --- storing what a source holds ----------------------------------------------------------


def written_uids(s: Session, profile: Profile) -> set[str]:
    """Our own bookings as they come back from a synced calendar (by iCalendar UID or the
    provider's event id), and the events that carry meetings this profile made (a Meet or
    Teams meeting is an event in the host's calendar): their busy time is already the
    booking's or the event's, not counted twice."""
    rows = s.execute(
        select(BookingWrite.external_uid, BookingWrite.external_ref)
        .join(Calendar, Calendar.id == BookingWrite.calendar_id)
        .where(Calendar.profile_id == profile.id)
    )
    meetings = s.scalars(
        select(Conference.meeting_id).where(
            Conference.profile_id == profile.id, Conference.meeting_id.is_not(None)
        )
    )
    return {value for row in rows for value in row if value} | set(meetings)


def _not_ours(events: list[SyncedEvent], ours: set[str]) -> list[SyncedEvent]:
    if not ours:
        return events
    return [e for e in events if e.uid not in ours and e.uid.split("/", 1)[0] not in ours]


def apply(s: Session, profile: Profile, remote: list[RemoteCalendar]) -> bool:
    existing = {
        c.external_id: c
        for c in s.scalars(select(Calendar).where(Calendar.profile_id == profile.id))
    }
    ours = written_uids(s, profile)
    changes: list[EventChanges] = []
    seen: set[str] = set()
    for item in remote:
        seen.add(item.external_id)
        calendar = existing.get(item.external_id)
        if calendar is None:
            calendar = Calendar(
                public_id=new_id("cal"), account_id=profile.account_id,
                name=(item.name or profile.profile_name)[:200], kind=profile.provider_name,
                profile_id=profile.id, external_id=item.external_id,
            )  # fmt: skip
            s.add(calendar)
            s.flush()
        elif item.name:
            calendar.name = item.name[:200]
        calendar.readonly, calendar.is_primary = item.readonly, item.primary
        calendar.deleted = False
        if item.delta:
            changes.append(store_delta(s, calendar, _not_ours(item.changed, ours), item.removed))
        elif item.events is not None:
            changes.append(store_events(s, calendar, _not_ours(item.events, ours)))
        calendar.sync_token = item.sync_token
    for external_id, calendar in existing.items():
        if external_id not in seen and not calendar.deleted:
            calendar.deleted, calendar.sync_token = True, None
            changes.append(store_events(s, calendar, []))
    return events_changed(s, profile.account_id, changes)


_COLUMNS = (Event.id, Event.event_uid, Event.start_at, Event.end_at, Event.summary,
            Event.transparency, Event.status, Event.tzid)  # fmt: skip


def _values(e: SyncedEvent) -> tuple:
    return (e.start, e.end, e.summary, e.transparency, e.status, e.tzid)


def _row(calendar: Calendar, e: SyncedEvent) -> dict:
    return {
        "calendar_id": calendar.id, "event_uid": e.uid, "summary": e.summary, "description": "",
        "start_at": e.start, "end_at": e.end, "tzid": e.tzid, "transparency": e.transparency,
        "status": e.status,
    }  # fmt: skip


def store_events(s: Session, calendar: Calendar, events: list[SyncedEvent]) -> EventChanges:
    """Make the calendar's stored events exactly `events`: insert, update and delete the
    difference."""
    stored = {row[1]: (row[0], tuple(row[2:])) for row in s.execute(
        select(*_COLUMNS).where(Event.calendar_id == calendar.id))}  # fmt: skip
    changes = EventChanges(calendar.public_id)
    inserts, updates = [], []
    wanted = {e.uid: e for e in events}
    for uid, e in wanted.items():
        old = stored.get(uid)
        if old is None:
            inserts.append(_row(calendar, e))
            changes.added.append(uid)
        elif old[1] != _values(e):
            updates.append({"id": old[0], **_row(calendar, e)})
            changes.updated.append(uid)
    gone = [(event_id, uid) for uid, (event_id, _v) in stored.items() if uid not in wanted]
    _write(s, inserts, updates, [event_id for event_id, _uid in gone])
    changes.removed.extend(uid for _id, uid in gone)
    return changes


def store_delta(
    s: Session, calendar: Calendar, changed: list[SyncedEvent], removed: list[str]
) -> EventChanges:
    """Apply an incremental answer: upsert the changed occurrences, delete the removed ones
    (by uid or by series: a removed uid also removes its stored occurrences "uid/…")."""
    changes = EventChanges(calendar.public_id)
    uids = {e.uid for e in changed} | set(removed)
    stored = {}
    for chunk in _chunks(sorted(uids), 500):
        stored.update({row[1]: (row[0], tuple(row[2:])) for row in s.execute(
            select(*_COLUMNS).where(Event.calendar_id == calendar.id, Event.event_uid.in_(chunk))
        )})  # fmt: skip
    inserts, updates, deletes = [], [], []
    for e in changed:
        old = stored.get(e.uid)
        if old is None:
            inserts.append(_row(calendar, e))
            changes.added.append(e.uid)
        elif old[1] != _values(e):
            updates.append({"id": old[0], **_row(calendar, e)})
            changes.updated.append(e.uid)
    for uid in removed:
        rows = s.execute(
            select(Event.id, Event.event_uid).where(
                Event.calendar_id == calendar.id,
                (Event.event_uid == uid) | Event.event_uid.startswith(uid + "/", autoescape=True),
            )
        ).all()
        deletes.extend(r[0] for r in rows)
        changes.removed.extend(r[1] for r in rows)
    _write(s, inserts, updates, deletes)
    return changes


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _write(s: Session, inserts: list[dict], updates: list[dict], deletes: list[int]) -> None:
    if inserts:
        s.execute(insert(Event), inserts)
    if updates:
        s.execute(update(Event), updates)
    for chunk in _chunks(deletes, 500):
        s.execute(delete(Event).where(Event.id.in_(chunk)))


# --- revoking -----------------------------------------------------------------------------


def forget_calendars(s: Session, profile: Profile) -> bool:
    """The profile's calendars and their events go at once (revoke or removal)."""
    calendars = list(s.scalars(select(Calendar).where(Calendar.profile_id == profile.id)))
    changes = [store_events(s, c, []) for c in calendars]
    for calendar in calendars:
        s.delete(calendar)
    state = s.get(CalendarSync, profile.id)
    if state is not None:
        s.delete(state)
    s.flush()
    return events_changed(s, profile.account_id, changes) or bool(calendars)
