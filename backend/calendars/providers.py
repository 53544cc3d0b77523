"""Which source reads, and which writer writes bookings into, each provider's calendars."""

from __future__ import annotations

from .caldav import CalDAVWriter, caldav_source
from .feeds import ics_source
from .google import GoogleWriter, google_source
from .microsoft import MicrosoftWriter, microsoft_source
from .sources import Source

SOURCES: dict[str, Source] = {
    "ics": ics_source,
    "caldav": caldav_source,
    "google": google_source,
    "microsoft": microsoft_source,
    "exchange": microsoft_source,  # Enterprise Connect: Graph /users/{upn} with an app token
}
WRITERS = {"caldav": CalDAVWriter(), "google": GoogleWriter(), "microsoft": MicrosoftWriter(),
           "exchange": MicrosoftWriter()}  # fmt: skip
