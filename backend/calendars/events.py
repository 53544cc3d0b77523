"""The local calendar's events: upsert by the client's event_id, read by range, delete.
Busy time for availability is read from these rows. Flask-free."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from .. import notifications
from ..core.ids import looks_like_id
from ..core.outbound import Outbound
from ..core.text import clean_multiline, clean_text
from ..core.validation import FieldErrors, ValidationError, format_utc, is_tzid, parse_utc
from ..models import Account, Booking, Calendar, Event

MAX_EVENT_LENGTH = timedelta(days=14)
MAX_RANGE = timedelta(days=400)


class CalendarNotFound(Exception):
    pass


def calendars_of(session: Session, account: Account) -> list[Calendar]:
    return list(
        session.scalars(
            select(Calendar).where(Calendar.account_id == account.id).order_by(Calendar.id)
        )
    )


def calendar_for(session: Session, account: Account, public_id: str) -> Calendar:
    if not looks_like_id(public_id, "cal"):
        raise CalendarNotFound(public_id)
    calendar = session.scalar(
        select(Calendar).where(Calendar.public_id == public_id, Calendar.account_id == account.id)
    )
    if calendar is None:
        raise CalendarNotFound(public_id)
    return calendar


def lock_account(session: Session, account_id: int) -> None:
    """Mark the host's availability as changing: bumps the version that offered-slot caches
    are keyed on, and (being an UPDATE) locks the row until commit, so bookings and event
    changes of one host are serialised and the booking's busy re-read is current."""
    session.execute(
        update(Account)
        .where(Account.id == account_id)
        .values(availability_version=Account.availability_version + 1)
        .execution_options(synchronize_session=False)
    )


def _string(body, name, errors, limit, required=False) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            errors.add(name, "required", f"{name} is required.")
        return None
    if not isinstance(value, str) or len(value) > limit:
        errors.add(name, "invalid", f"{name} must be a string of at most {limit} characters.")
        return None
    return value


def parse_when(value, tzid: str) -> datetime | None:
    """An RFC 3339 time, or a date (all-day: local midnight in tzid)."""
    if isinstance(value, dict):  # Cronofy's {"time": ..., "tzid": ...} form
        tzid = value.get("tzid") if is_tzid(value.get("tzid")) else tzid
        value = value.get("time")
    parsed = parse_utc(value)
    if parsed is not None:
        return parsed
    if isinstance(value, str) and len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return None
        return parse_utc(datetime.combine(day, datetime.min.time(), ZoneInfo(tzid)).isoformat())
    return None


def _refuse_synced(calendar: Calendar) -> None:
    if calendar.profile_id is not None:
        raise ValidationError(
            {"calendar_id": [{"key": "errors.readonly",
                              "description": "This calendar is synced from a connected "
                              "calendar service; change its events there."}]}
        )  # fmt: skip


def upsert_event(
    session: Session, calendar: Calendar, body: object, outbound: Outbound | None = None
) -> Event:
    """Insert or update by the client's event_id. `outbound` checks `subscriptions` URLs;
    without it, subscriptions cannot be given."""
    _refuse_synced(calendar)
    errors = FieldErrors()
    if not isinstance(body, dict):
        errors.add("body", "invalid", "Send a JSON object.")
        errors.raise_if_any()
    event_uid = _string(body, "event_id", errors, 200, required=True)
    summary = _string(body, "summary", errors, 500, required=True)
    # Shown on pages and written into .ics files and e-mails: no control characters.
    summary = clean_text(summary) if summary is not None else None
    if summary == "":
        errors.add("summary", "required", "summary is required.")
    description = clean_multiline(_string(body, "description", errors, 8000) or "")
    tzid = body.get("tzid") or "Etc/UTC"
    if not is_tzid(tzid):
        errors.add("tzid", "invalid", "Unknown time zone; use an IANA id.")
        tzid = "Etc/UTC"
    start, end = parse_when(body.get("start"), tzid), parse_when(body.get("end"), tzid)
    if start is None:
        errors.add("start", "invalid", "start must be an RFC 3339 time or a date.")
    if end is None:
        errors.add("end", "invalid", "end must be an RFC 3339 time or a date.")
    if start and end and not start < end <= start + MAX_EVENT_LENGTH:
        errors.add("end", "invalid", "end must be after start, and within 14 days of it.")
    location = body.get("location")
    location_text = location.get("description") if isinstance(location, dict) else None
    if location is not None and not isinstance(location_text, str | None):
        errors.add("location", "invalid", 'location must be {"description": "..."}.')
    transparency = body.get("transparency", "opaque")
    if transparency not in ("opaque", "transparent"):
        errors.add("transparency", "invalid", "transparency is opaque or transparent.")
    subscriptions = None
    if body.get("subscriptions") is not None:
        if outbound is None:
            errors.add("subscriptions", "invalid", "subscriptions cannot be set here.")
        else:
            subscriptions = notifications.parse_subscriptions(
                body["subscriptions"], outbound, errors
            )
    errors.raise_if_any()
    event = session.scalar(
        select(Event).where(Event.calendar_id == calendar.id, Event.event_uid == event_uid)
    )
    if event is not None and event.booking_id is not None:
        raise ValidationError(_booking_owned("event_id"))
    if event is None:
        event = Event(calendar_id=calendar.id, event_uid=event_uid)
        session.add(event)
    event.summary, event.description = summary, description
    event.start_at, event.end_at, event.tzid = start, end, tzid
    event.location = clean_text(location_text or "")[:500] or None
    event.transparency, event.status = transparency, "confirmed"
    session.flush()
    notifications.set_event_subscriptions(session, calendar.account_id, event.id, subscriptions)
    _changed(session, calendar)
    return event


def _changed(session: Session, calendar: Calendar) -> None:
    """Tell the account's channels (`change`), in this transaction."""
    notifications.notify_change(
        session, calendar.account_id, calendar.public_id, managed=True, now=datetime.now(UTC)
    )


def delete_event(session: Session, calendar: Calendar, body: object, on_delete=None) -> bool:
    """`on_delete(event)` runs just before the row goes (conferencing releases its meeting)."""
    _refuse_synced(calendar)
    event_uid = body.get("event_id") if isinstance(body, dict) else None
    if not isinstance(event_uid, str) or not event_uid:
        raise ValidationError(
            {"event_id": [{"key": "errors.required", "description": "event_id is required."}]}
        )
    event = session.scalar(
        select(Event).where(Event.calendar_id == calendar.id, Event.event_uid == event_uid)
    )
    if event is None:
        return False
    if event.booking_id is not None:
        raise ValidationError(_booking_owned("event_id"))
    if on_delete is not None:
        on_delete(event)
    session.delete(event)
    _changed(session, calendar)
    return True


def _booking_owned(field: str) -> dict:
    return {
        field: [
            {
                "key": "errors.booking_event",
                "description": "This event is a booking; cancel the booking instead.",
            }
        ]
    }


def check_range(start: datetime, end: datetime) -> None:
    if not start < end <= start + MAX_RANGE:
        raise ValidationError(
            {
                "to": [
                    {
                        "key": "errors.invalid",
                        "description": "to must be after from, at most 400 days later.",
                    }
                ]
            }
        )


def _in_range(account: Account, start: datetime, end: datetime, calendar_ids=None):
    where = (
        Calendar.account_id == account.id,
        Event.status != "cancelled",
        Event.start_at < end,
        Event.end_at > start,
    )
    if calendar_ids:  # public ids; only the account's own can match
        where += (Calendar.public_id.in_(list(calendar_ids)),)
    return where


def read_events(
    session: Session,
    account: Account,
    start: datetime,
    end: datetime,
    limit: int | None = None,
    after: tuple[datetime, int] | None = None,
    calendar_ids=None,
):
    """(event, calendar public id) rows by (start, id); `after` is where the previous page
    ended (keyset paging: stable while events are added, and no OFFSET scans)."""
    check_range(start, end)
    query = (
        select(Event, Calendar.public_id)
        .join(Calendar, Calendar.id == Event.calendar_id)
        .where(*_in_range(account, start, end, calendar_ids))
        .order_by(Event.start_at, Event.id)
    )
    query = _after(query, after)
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query))


def count_events(
    session: Session,
    account: Account,
    start: datetime,
    end: datetime,
    after: tuple[datetime, int] | None = None,
    calendar_ids=None,
) -> int:
    query = (
        select(func.count(Event.id))
        .join(Calendar, Calendar.id == Event.calendar_id)
        .where(*_in_range(account, start, end, calendar_ids))
    )
    return session.scalar(_after(query, after))


def _after(query, after: tuple[datetime, int] | None):
    if after is None:
        return query
    last_start, last_id = after
    return query.where(
        or_(Event.start_at > last_start, and_(Event.start_at == last_start, Event.id > last_id))
    )


def event_to_dict(event: Event, calendar_id: str) -> dict:
    return {
        "calendar_id": calendar_id,
        "event_id": event.event_uid,
        "summary": event.summary,
        "description": event.description,
        "start": format_utc(event.start_at),
        "end": format_utc(event.end_at),
        "tzid": event.tzid,
        "location": {"description": event.location} if event.location else None,
        "transparency": event.transparency,
        "status": event.status,
        "booking_id": None,
        "participation_status": event.participation_status,
        "created": format_utc(event.created_at),
        "updated": format_utc(event.updated_at),
    }


def booking_fields(session: Session, events: list[Event]) -> dict[int, dict]:
    """For the events that are bookings: event id → what the invitee gave (`answers`:
    [{label, value}], `attendees`: the invitee then their guests). One query for a page."""
    ids = {e.booking_id for e in events if e.booking_id is not None}
    if not ids:
        return {}
    rows = session.execute(
        select(
            Booking.id, Booking.invitee_name, Booking.invitee_email, Booking.answers,
            Booking.guests,
        ).where(Booking.id.in_(ids))
    )  # fmt: skip
    by_booking = {
        row.id: {
            "answers": [{"label": a["label"], "value": a["value"]} for a in row.answers or ()],
            "attendees": [
                {"email": row.invitee_email, "name": row.invitee_name, "role": "invitee"},
                *({"email": g, "name": "", "role": "guest"} for g in row.guests or ()),
            ],
        }
        for row in rows
    }
    return {e.id: by_booking[e.booking_id] for e in events if e.booking_id in by_booking}
