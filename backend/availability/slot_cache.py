"""Per-process cache of the slots a link offers, so a busy booking page doesn't recompute
availability on every view — without ever offering a time that is taken.

Correctness rests on the host's `availability_version`, bumped in the same transaction as
every change to the host's busy time or working hours (bookings, cancellations, moves,
events, rules). The version is read with the link on each request, so a cached entry can
only be served while nothing it depends on has changed. The only other input is the clock:
entries are computed at the start of the current minute and served filtered by the exact
minimum notice, so a cached list is never looser than a fresh one. A team link's entry is
keyed on every host's version and each slot keeps the hosts free then, so each host's own
notice filters it exactly (collective: all of them; round robin: any one)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from ..models import SchedulingLink
from .link_rules import cache_key, link_rule
from .offers import link_team, offered_with_hosts

BUCKET_SECONDS = 60


class SlotCache:
    def __init__(self, size: int = 2048):
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def offered(
        self,
        session: Session,
        link: SchedulingLink,
        now: datetime,
        window_days: int,
        duration_minutes: int | None = None,
    ) -> list[tuple[datetime, datetime]]:
        bucket = datetime.fromtimestamp(
            int(now.timestamp()) // BUCKET_SECONDS * BUCKET_SECONDS, UTC
        )
        team = link_team(session, link)
        key = (
            tuple((a.id, a.availability_version) for a in team.hosts),
            tuple(a.id for a in team.removed),
            team.required,
            duration_minutes or link.duration_minutes,
            repr(link.query_periods),
            cache_key(link),
            link.expires_at,
            window_days,
            bucket,
            # A real-time link offers its own query (interval, buffers, groups, a sequence,
            # minimum notice), fixed when it is made: its id stands for all of it.
            link.id if getattr(link, "rts_query", None) else None,
        )
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
        if hit is None:
            notices = {
                a.sub: timedelta(minutes=link_rule(session, link, a).min_notice_minutes)
                for a in team.hosts
            }
            slots = offered_with_hosts(
                session, link, bucket, window_days, team=team, duration_minutes=duration_minutes
            )
            hit = (slots, notices)
            with self._lock:
                self._entries[key] = hit
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        slots, notices = hit
        if len(notices) == 1:
            earliest = now + next(iter(notices.values()))
            return [(start, end) for start, end, _ in slots if start >= earliest]
        need = len(notices) if team.collective else 1
        return [
            (start, end)
            for start, end, subs in slots
            if sum(start >= now + notices[sub] for sub in subs) >= need
        ]
