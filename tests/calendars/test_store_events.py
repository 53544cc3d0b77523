"""The sync's storage step against a plain-set oracle: after storing any list of occurrences
the calendar holds exactly them; storing the same again changes nothing (and so does not bump
the host's slot cache); the reported changes are the set differences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from backend import db
from backend.calendars.sources import SyncedEvent
from backend.calendars.sync import store_events
from backend.core.ids import new_id
from backend.models import Calendar, Event

BASE = datetime(2026, 12, 7, 9, tzinfo=UTC)

occurrence = st.builds(
    lambda uid, start, minutes, transparent, summary: SyncedEvent(
        f"u{uid}", BASE + timedelta(minutes=15 * start),
        BASE + timedelta(minutes=15 * start + minutes), summary,
        "transparent" if transparent else "opaque", "confirmed", "UTC",
    ),
    st.integers(0, 12), st.integers(0, 40), st.sampled_from([15, 30, 60]), st.booleans(),
    st.sampled_from(["A", "B"]),
)  # fmt: skip
feeds = st.lists(occurrence, max_size=10, unique_by=lambda e: e.uid)


def _stored(s, calendar) -> set[tuple]:
    rows = s.execute(
        select(
            Event.event_uid, Event.start_at, Event.end_at, Event.summary, Event.transparency
        ).where(Event.calendar_id == calendar.id)
    )
    return set(map(tuple, rows))


def _expected(events) -> set[tuple]:
    return {(e.uid, e.start, e.end, e.summary, e.transparency) for e in events}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=feeds, second=feeds)
def test_store_events_matches_a_set_oracle(app, host, first, second):
    with app.app_context(), db.write() as s:
        calendar = Calendar(public_id=new_id("cal"), account_id=host.account_id, name="Feed",
                            kind="ics", external_id="feed", readonly=True)  # fmt: skip
        s.add(calendar)
        s.flush()
        store_events(s, calendar, first)
        assert _stored(s, calendar) == _expected(first)
        assert not store_events(s, calendar, first)  # nothing changed: nothing to report
        changes = store_events(s, calendar, second)
        assert _stored(s, calendar) == _expected(second)
        before, after = {e.uid: e for e in first}, {e.uid: e for e in second}
        assert set(changes.added) == after.keys() - before.keys()
        assert set(changes.removed) == before.keys() - after.keys()
        assert set(changes.updated) == {u for u in before.keys() & after.keys()
                                        if before[u] != after[u]}  # fmt: skip
        s.delete(calendar)
