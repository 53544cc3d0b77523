"""'Add to calendar' links for Google Calendar and Outlook (their public compose URLs)."""

from __future__ import annotations

from urllib.parse import urlencode

from ..models import Booking


def _details(booking: Booking) -> str:
    return f"{booking.link.summary} with {booking.account.name} (booked with schedlink)"


def google_url(booking: Booking) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    query = urlencode(
        {
            "action": "TEMPLATE",
            "text": booking.link.summary,
            "dates": f"{booking.start_at:{stamp}}/{booking.end_at:{stamp}}",
            "details": _details(booking),
        }
    )
    return f"https://calendar.google.com/calendar/render?{query}"


def outlook_url(booking: Booking) -> str:
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    query = urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": booking.link.summary,
            "startdt": f"{booking.start_at:{stamp}}",
            "enddt": f"{booking.end_at:{stamp}}",
            "body": _details(booking),
        }
    )
    return f"https://outlook.live.com/calendar/0/deeplink/compose?{query}"
