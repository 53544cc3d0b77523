"""Events in bulk and the host's answer to an event: delete every managed event (all the
account's, or those of some calendars) and set an event's participation status. Flask-free."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.validation import ValidationError
from ..models import Account, Calendar, Event
from .events import CalendarNotFound, _changed, calendar_for

PARTICIPATION = ("accepted", "tentative", "declined")
MAX_CALENDAR_IDS = 100


def delete_managed_events(
    session: Session,
    account: Account,
    calendar_ids: Sequence[str] | None,
    on_delete: Callable[[Event], None] | None = None,
) -> int:
    """Delete the events made through the API (local calendars, not bookings) of every
    calendar, or of the calendars named. Synced events and bookings stay. Returns how many."""
    if calendar_ids is not None:
        if not calendar_ids or len(calendar_ids) > MAX_CALENDAR_IDS:
            raise ValidationError(
                {"calendar_ids": [{"key": "errors.invalid",
                                   "description": f"1 to {MAX_CALENDAR_IDS} calendar ids"}]}
            )  # fmt: skip
        try:
            calendars = [calendar_for(session, account, c) for c in calendar_ids]
        except CalendarNotFound:
            raise ValidationError(
                {"calendar_ids": [{"key": "errors.unknown", "description": "unknown calendar"}]}
            ) from None
    else:
        calendars = list(session.scalars(select(Calendar).where(Calendar.account_id == account.id)))
    local = [c for c in calendars if c.profile_id is None]
    count = 0
    for calendar in local:
        events = session.scalars(
            select(Event).where(Event.calendar_id == calendar.id, Event.booking_id.is_(None))
        ).all()
        for event in events:
            if on_delete is not None:
                on_delete(event)
            session.delete(event)
        if events:
            count += len(events)
            _changed(session, calendar)
    return count


def set_participation(session: Session, calendar: Calendar, event_uid: str, body: object) -> bool:
    """Record the host's answer; False when the calendar has no such event."""
    status = body.get("status") if isinstance(body, dict) else None
    if status not in PARTICIPATION:
        raise ValidationError(
            {"status": [{"key": "errors.invalid",
                         "description": "status is accepted, tentative or declined"}]}
        )  # fmt: skip
    if "\x00" in event_uid or len(event_uid) > 200:  # can't be stored, so can't exist
        return False
    event = session.scalar(
        select(Event).where(Event.calendar_id == calendar.id, Event.event_uid == event_uid)
    )
    if event is None:
        return False
    event.participation_status = status
    _changed(session, calendar)
    return True
