"""Tables, one module per domain; importing this package registers them all on `Base`."""

from .account_security import Passkey, RecoveryCode, UserSession
from .accounts import Account, ApiKey, Organization
from .availability import AvailabilityRuleRow
from .base import Base, UTCDateTime, utcnow
from .calendars import BookingCalendar, BookingWrite, Calendar, CalendarSync, Event
from .conferencing import Conference, ConferencingDefault
from .elements import ElementToken
from .limits import RateLimitCounter
from .notifications import Channel, EventSubscription, WebhookMessage, WebhookSecret
from .organizations import BrowserConnection, Invitation
from .outbox import Job
from .profiles import OAuthRequest, Profile
from .scheduling import Booking, IdempotencyKey, SchedulingLink

__all__ = [
    "Account", "ApiKey", "AvailabilityRuleRow", "Base", "Booking", "BookingCalendar",
    "BrowserConnection", "Invitation",
    "BookingWrite", "Calendar", "CalendarSync", "Channel", "Conference", "ConferencingDefault",
    "ElementToken", "Event", "EventSubscription", "IdempotencyKey", "Job", "OAuthRequest",
    "Organization",
    "Passkey", "Profile", "RateLimitCounter", "RecoveryCode", "SchedulingLink", "UTCDateTime",
    "UserSession", "WebhookMessage", "WebhookSecret", "utcnow",
]  # fmt: skip
