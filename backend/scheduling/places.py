"""Where a meeting happens: the link's `place` (checked at creation) and the booking's
`location` snapshot (made when booked). Flask-free.

- `{"type": "video"}`: the link's `conferencing` (the host's default service, or the one
  chosen); the join link is the location.
- `{"type": "phone", "calls": "host"}`: the host calls the invitee, who gives a number when
  booking; `{"type": "phone", "calls": "invitee", "number": "+44…"}`: the invitee calls the
  host's number.
- `{"type": "in_person", "address": "…"}`: shown with a map link.
- `{"type": "custom", "text": "…"}`.
"""

from __future__ import annotations

from urllib.parse import quote

from ..core.text import clean_text
from ..core.validation import FieldErrors
from .questions import PHONE_HELP, phone_e164

TYPES = ("video", "phone", "in_person", "custom")
MAX_TEXT = 300


def _text(value: object) -> str:
    return clean_text(value[: MAX_TEXT * 4]) if isinstance(value, str) else ""


def parse_place(raw: object, errors: FieldErrors) -> dict | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("type") not in TYPES:
        errors.add("place.type", "invalid", "place.type must be one of " + ", ".join(TYPES) + ".")
        return None
    kind = raw["type"]
    if kind == "video":
        return {"type": "video"}
    if kind == "phone":
        calls = raw.get("calls", "host")
        if calls not in ("host", "invitee"):
            errors.add("place.calls", "invalid", 'calls must be "host" or "invitee".')
            return None
        if calls == "host":
            return {"type": "phone", "calls": "host"}
        number = raw.get("number")
        e164 = phone_e164(number) if isinstance(number, str) and len(number) <= 40 else None
        if e164 is None:
            errors.add("place.number", "invalid", PHONE_HELP)
            return None
        return {"type": "phone", "calls": "invitee", "number": e164}
    field = "address" if kind == "in_person" else "text"
    value = _text(raw.get(field))
    if not value or len(value) > MAX_TEXT:
        errors.add(
            f"place.{field}", "required", f"place.{field} must be 1 to {MAX_TEXT} characters."
        )
        return None
    return {"type": kind, field: value}


# The host's forms' choices of place, worded as the extension's popup words them.
FORM_CHOICES = (
    ("video", "Video call"), ("phone_host", "Phone (you call them)"),
    ("phone_invitee", "Phone (they call you)"), ("in_person", "In person"), ("custom", "Other"),
)  # fmt: skip


def from_form(choice: str, detail: str, number: str) -> dict | None:
    """A form's choice (FORM_CHOICES), its address or text, and the host's number as the API's
    `place`, for `parse_place` to check; None for no known choice. Only the chosen kind's
    field is sent, so a number typed and then left for another kind is not checked."""
    if choice == "video":
        return {"type": "video"}
    if choice == "phone_host":
        return {"type": "phone", "calls": "host"}
    if choice == "phone_invitee":
        return {"type": "phone", "calls": "invitee", "number": number.strip()}
    if choice in ("in_person", "custom"):
        return {"type": choice, "address" if choice == "in_person" else "text": detail}
    return None


def form_choice(place: dict | None) -> tuple[str, str, str]:
    """A stored `place` as a form shows it: (choice, address or text, number)."""
    if not place:
        return "", "", ""
    if place["type"] == "phone":
        calls = place.get("calls", "host")
        return "phone_" + calls, "", place.get("number", "") if calls == "invitee" else ""
    return place["type"], place.get("address") or place.get("text") or "", ""


def needs_invitee_phone(place: dict | None) -> bool:
    return bool(place) and place["type"] == "phone" and place.get("calls") == "host"


def read_invitee_phone(place: dict | None, raw: object, errors: FieldErrors) -> str | None:
    """The invitee's number when the host calls them (required, E.164); else None."""
    if not needs_invitee_phone(place):
        return None
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        errors.add("phone", "required", "Please enter the number to call you on.")
        return None
    number = phone_e164(text) if len(text) <= 40 else None
    if number is None:
        errors.add("phone", "invalid", PHONE_HELP)
    return number


def snapshot(place: dict | None, invitee_phone: str | None) -> dict | None:
    """The booking's `location`: the link's place as it was, the invitee's number added."""
    if not place:
        return None
    location = dict(place)
    if invitee_phone:
        location["number"] = invitee_phone
    if location["type"] == "in_person":
        location["map_url"] = map_url(location["address"])
    return location


def map_url(address: str) -> str:
    return "https://www.openstreetmap.org/search?query=" + quote(address, safe="")


def describe(location: dict | None, for_host: bool = False) -> str | None:
    """One line naming the place, for e-mails, pages, the .ics LOCATION and the event;
    None for video (the join link says it) or no place."""
    if not location:
        return None
    kind = location["type"]
    if kind == "phone":
        if location.get("calls") == "host":
            who = "You call" if for_host else "The host calls you on"
            return f"Phone: {who} {location.get('number', '')}".rstrip()
        return f"Phone: {'The invitee calls you on' if for_host else 'Call'} {location['number']}"
    if kind == "in_person":
        return location["address"]
    if kind == "custom":
        return location["text"]
    return None


def event_location(location: dict | None) -> str | None:
    """The calendar event's LOCATION: a number or an address, as calendars show it."""
    if not location:
        return None
    if location["type"] == "phone":
        return f"Phone {location.get('number', '')}".strip()
    return describe(location)
