"""The one place a change to a host's busy time is recorded. Every sync, booking write and
revoke that changes stored events calls `events_changed` inside its transaction: it bumps the
host's availability version (the slot cache key, and the per-host row lock), and is where
`change` notifications to subscribers hook in. Flask-free."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from .. import notifications
from .events import lock_account


@dataclass
class EventChanges:
    """What one sync did to one calendar's stored events."""

    calendar_public_id: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def events_changed(session: Session, account_id: int, changes: Iterable[EventChanges]) -> bool:
    """Record that these calendars' events changed; returns whether anything did. Channels
    hear a `change` for each calendar (not managed through the API: synced or written out)."""
    changes = [c for c in changes if c]
    if not changes:
        return False
    lock_account(session, account_id)
    now = datetime.now(UTC)
    for change in changes:
        notifications.notify_change(
            session, account_id, change.calendar_public_id, managed=False, now=now
        )
    return True
