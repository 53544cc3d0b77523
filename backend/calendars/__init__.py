"""Calendars and their events: the local calendar (upsert, read, delete), the per-host write
lock, .ics files and add-to-calendar links. Flask-free."""

from .add_links import google_url, outlook_url
from .events import (
    CalendarNotFound,
    calendar_for,
    calendars_of,
    delete_event,
    event_to_dict,
    lock_account,
    read_events,
    upsert_event,
)
from .ics import booking_ics
from .notices import notify_event

__all__ = [
    "CalendarNotFound", "booking_ics", "calendar_for", "calendars_of", "delete_event",
    "event_to_dict", "google_url", "lock_account", "notify_event", "outlook_url", "read_events",
    "upsert_event",
]  # fmt: skip
