"""Calendars and their events: the local calendar (upsert, read, delete), the per-host write
lock, .ics files and add-to-calendar links; connected calendar services (ics feeds, CalDAV,
Google, Microsoft) synced into stored events, and bookings written to the chosen calendar.
Flask-free."""

from .add_links import google_url, outlook_url
from .authorizations import relink_path, start_authorization
from .caldav import verify as verify_caldav
from .changes import EventChanges, events_changed
from .event_admin import delete_managed_events, set_participation
from .events import (
    CalendarNotFound,
    booking_fields,
    calendar_for,
    calendars_of,
    count_events,
    delete_event,
    event_to_dict,
    lock_account,
    read_events,
    upsert_event,
)
from .ics import booking_ics
from .local_profile import (
    add_calendar,
    check_new_calendar,
    cronofy_calendar,
    local_profile,
    local_profile_id,
)
from .notices import notify_event
from .providers import SOURCES, WRITERS
from .remote_calendars import make_remote_calendar
from .services import (
    PROVIDER_LABELS,
    all_calendars,
    booking_calendar,
    booking_calendar_id,
    calendar_profile,
    calendar_profiles,
    choose_booking_calendar,
    connect_profile,
    profile_to_dict,
    revoke,
    sync_now,
)
from .sync import enqueue_due_syncs, forget_calendars, run_sync, start_syncing
from .writes import (
    BookingWriteFailed,
    failed_writes,
    queue_booking_write,
    retract_booking_writes,
    run_booking_writes,
)

__all__ = [
    "BookingWriteFailed", "CalendarNotFound", "EventChanges", "PROVIDER_LABELS", "SOURCES",
    "WRITERS", "all_calendars", "booking_calendar", "booking_calendar_id", "booking_ics",
    "calendar_for", "calendar_profile", "calendar_profiles", "calendars_of", "count_events",
    "choose_booking_calendar", "connect_profile", "delete_event", "enqueue_due_syncs",
    "booking_fields", "event_to_dict", "events_changed", "failed_writes", "forget_calendars",
    "google_url", "lock_account", "start_syncing",
    "notify_event", "outlook_url", "profile_to_dict", "queue_booking_write", "read_events",
    "retract_booking_writes",
    "relink_path", "revoke", "run_booking_writes", "run_sync", "start_authorization", "sync_now",
    "upsert_event", "verify_caldav",
    # issue 21
    "add_calendar", "check_new_calendar", "cronofy_calendar", "delete_managed_events",
    "local_profile", "local_profile_id", "make_remote_calendar", "set_participation",
]  # fmt: skip
