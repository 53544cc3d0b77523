"""'Add to calendar' links for Google Calendar and Outlook (their public compose URLs)."""

from __future__ import annotations

from urllib.parse import urlencode

from ..core.text import with_name
from ..models import Booking


def _details(booking: Booking, join: dict | None) -> str:
    text = f"{_title(booking)} (booked with schedlink)"
    if join and join.get("url"):
        text = f"Join {join['description']}: {join['url']}\n\n{text}"
    return text


def _title(booking: Booking) -> str:
    """The event's name in the invitee's calendar: it names the host."""
    return with_name(booking.link.summary, booking.account.name)


def _location(join: dict | None) -> dict:
    return {"location": join["url"]} if join and join.get("url") else {}


def google_url(booking: Booking, join: dict | None = None) -> str:
    """`join` ({"description", "url"}): the meeting's join link, as location and details."""
    stamp = "%Y%m%dT%H%M%SZ"
    query = urlencode(
        {
            "action": "TEMPLATE",
            "text": _title(booking),
            "dates": f"{booking.start_at:{stamp}}/{booking.end_at:{stamp}}",
            "details": _details(booking, join),
            **_location(join),
        }
    )
    return f"https://calendar.google.com/calendar/render?{query}"


def outlook_url(booking: Booking, join: dict | None = None) -> str:
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    query = urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": _title(booking),
            "startdt": f"{booking.start_at:{stamp}}",
            "enddt": f"{booking.end_at:{stamp}}",
            "body": _details(booking, join),
            **_location(join),
        }
    )
    return f"https://outlook.live.com/calendar/0/deeplink/compose?{query}"
