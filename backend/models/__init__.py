"""Tables, one module per domain; importing this package registers them all on `Base`."""

from .accounts import Account, ApiKey, Organization
from .availability import AvailabilityRuleRow
from .base import Base, UTCDateTime, utcnow
from .calendars import Calendar, Event
from .notifications import Channel, EventSubscription, WebhookMessage, WebhookSecret
from .outbox import Job
from .profiles import OAuthRequest, Profile
from .scheduling import Booking, IdempotencyKey, SchedulingLink

__all__ = [
    "Account", "ApiKey", "AvailabilityRuleRow", "Base", "Booking", "Calendar", "Channel", "Event",
    "EventSubscription", "IdempotencyKey", "Job", "OAuthRequest", "Organization", "Profile",
    "SchedulingLink", "UTCDateTime", "WebhookMessage", "WebhookSecret", "utcnow",
]  # fmt: skip
