"""iCalendar files for bookings (RFC 5545), built with the icalendar library so every
value from an invitee or page markup is escaped by the format's own rules."""

from __future__ import annotations

from icalendar import Calendar, Event, vCalAddress, vText

from .models import Booking


def booking_ics(booking: Booking, mail_from: str, method: str = "REQUEST", sequence: int = 0):
    cal = Calendar()
    cal.add("prodid", "-//schedlink//booking//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", f"{booking.public_id}@schedlink")
    event.add("dtstamp", booking.created_at)
    event.add("dtstart", booking.start_at)
    event.add("dtend", booking.end_at)
    event.add("summary", booking.link.summary)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{booking.account.email}")
    organizer.params["cn"] = vText(booking.account.name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.invitee_email}")
    attendee.params["cn"] = vText(booking.invitee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee)
    cal.add_component(event)
    return cal.to_ical()
