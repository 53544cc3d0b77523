"""iCalendar files for bookings (RFC 5545), built with the icalendar library so every
value from an invitee or page markup is escaped by the format's own rules."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from ..core.text import clean_text, with_name
from ..models import Booking
from ..models.scheduling import DEFAULT_REMINDERS


def booking_ics(
    booking: Booking,
    method: str = "REQUEST",
    description: str = "",
    join: dict | None = None,
    title: str | None = None,
    *,
    for_host: bool = False,
    for_guest: bool = False,
) -> bytes:
    """METHOD:REQUEST invites (and updates, by SEQUENCE), CANCEL withdraws, PUBLISH is a
    plain download for the invitee's own calendar. `join` ({"description", "url"}): the
    meeting's join link, as LOCATION, URL and the first line of the description. `title`:
    the SUMMARY as its recipient reads it; by default the invitee's ("… with <host>").
    `for_host` adds the invitee's answers; `for_guest` leaves out the invitee's note. The
    booking's place is the LOCATION unless a join link is; guests are ATTENDEEs."""
    cal = Calendar()
    cal.add("prodid", "-//schedlink//booking//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", f"{booking.public_id}@schedlink")
    event.add("dtstamp", booking.cancelled_at or booking.created_at)
    event.add("dtstart", booking.start_at)
    event.add("dtend", booking.end_at)
    # Values are cleaned at input; cleaning again here covers rows written before that.
    if title is None:
        title = with_name(booking.link.summary, booking.account.name)
    event.add("summary", clean_text(title))
    place = place_line(booking.location)
    if join and join.get("url"):
        event.add("location", join["url"])
        event.add("url", join["url"])
        description = f"Join {join['description']}: {join['url']}\n\n{description}".strip()
    elif place:
        event.add("location", clean_text(place))
    if for_host and booking.answers:
        lines = "\n\n".join(f"{a['label']}\n{_answer_text(a)}" for a in booking.answers)
        description = f"{lines}\n\n{description}".strip()
    if booking.invitee_notes and not for_guest:
        # Untrusted text: the icalendar library escapes it by the format's rules.
        note = f"Note from {booking.invitee_name}: {booking.invitee_notes}"
        description = f"{note}\n\n{description}" if description else note
    if description:
        event.add("description", description)
    event.add("sequence", booking.sequence)
    # A CANCEL withdraws the event for its recipient (also a host a booking left).
    withdrawn = booking.status == "cancelled" or method == "CANCEL"
    event.add("status", "CANCELLED" if withdrawn else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{booking.account.email}")
    organizer.params["cn"] = vText(clean_text(booking.account.name))
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.invitee_email}")
    attendee.params["cn"] = vText(clean_text(booking.invitee_name))
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee)
    for guest in booking.guests or ():
        address = vCalAddress(f"mailto:{guest}")
        address.params["role"] = vText("OPT-PARTICIPANT")
        event.add("attendee", address)
    if method != "CANCEL":
        # One VALARM per reminder the link sends, so the calendar reminds at the same times.
        offsets = booking.link.reminders
        for minutes in DEFAULT_REMINDERS if offsets is None else offsets:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", clean_text(title))
            alarm.add("trigger", timedelta(minutes=-minutes))
            event.add_component(alarm)
    cal.add_component(event)
    return cal.to_ical()


def place_line(location: dict | None) -> str | None:
    """The booking's place as LOCATION: a number, an address or the host's text."""
    if not location or location.get("type") == "video":
        return None
    if location["type"] == "phone":
        return f"Phone {location.get('number', '')}".strip()
    return location.get("address") or location.get("text")


def _answer_text(answer: dict) -> str:
    value = answer["value"]
    if value is True:
        return "Yes"
    return ", ".join(value) if isinstance(value, list) else str(value)
