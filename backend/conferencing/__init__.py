"""Conferencing: every meeting gets a place to meet — a generated Jitsi link, explicit join
details, or a meeting made with the host's own Zoom, Google Meet, Microsoft Teams or GoTo
account. Requests are rows and outbox jobs written with the event; the worker makes the
meetings (`work`). Flask-free."""

from .booking_event import write_recorded as booking_write_recorded
from .errors import BuiltinProfile, ConferencingError, MeetingRefused, RetryLater
from .events import (
    apply,
    booking_conference,
    check_spec,
    conference_of,
    conferences_by_event,
    event_removed,
    join_details,
    to_dict,
)
from .hooks import conferencing_assigned, conferencing_failing
from .jitsi import check_base_url
from .seats import for_host, handed_on
from .services import (
    DESCRIPTIONS,
    calendar_conferencing,
    conferencing_profile,
    conferencing_profiles,
    default_choice,
    description_of,
    jitsi_profile,
    profile_to_dict,
    remove_everywhere,
    remove_profile,
    set_default,
)
from .spec import DEFAULT, Spec, parse_spec, spec_from_json
from .views import event_item

__all__ = [
    "DEFAULT",
    "DESCRIPTIONS",
    "calendar_conferencing",
    "BuiltinProfile",
    "ConferencingError",
    "MeetingRefused",
    "RetryLater",
    "Spec",
    "apply",
    "booking_conference",
    "booking_write_recorded",
    "check_base_url",
    "check_spec",
    "conference_of",
    "conferences_by_event",
    "conferencing_assigned",
    "conferencing_failing",
    "conferencing_profile",
    "conferencing_profiles",
    "default_choice",
    "description_of",
    "event_removed",
    "for_host",
    "handed_on",
    "jitsi_profile",
    "join_details",
    "parse_spec",
    "profile_to_dict",
    "remove_everywhere",
    "remove_profile",
    "set_default",
    "spec_from_json",
    "event_item",
    "to_dict",
]
