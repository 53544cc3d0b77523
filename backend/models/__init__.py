"""Tables, one module per domain; importing this package registers them all on `Base`."""

from .account_security import Passkey, RecoveryCode, UserSession
from .accounts import Account, ApiKey, Organization
from .availability import AvailabilityRuleRow, AvailablePeriodRow
from .base import Base, UTCDateTime, utcnow
from .calendars import BookingCalendar, BookingWrite, Calendar, CalendarSync, Event
from .conferencing import Conference, ConferencingDefault
from .elements import ElementToken
from .enterprise import EnterpriseConnection
from .limits import RateLimitCounter
from .notifications import Channel, EventSubscription, WebhookMessage, WebhookSecret
from .organizations import BrowserConnection, Invitation
from .outbox import Job, WorkerHeartbeat
from .profiles import OAuthRequest, Profile
from .scheduling import Booking, BookingHost, IdempotencyKey, LinkHost, OldSlug, SchedulingLink

__all__ = [
    "Account", "ApiKey", "AvailabilityRuleRow", "AvailablePeriodRow", "Base", "Booking",
    "BookingCalendar", "BookingHost", "BookingWrite", "BrowserConnection", "Calendar",
    "CalendarSync", "Channel", "Conference", "ConferencingDefault", "ElementToken",
    "EnterpriseConnection", "Event",
    "EventSubscription", "IdempotencyKey", "Invitation", "Job", "LinkHost", "OAuthRequest",
    "OldSlug",
    "Organization", "Passkey", "Profile", "RateLimitCounter", "RecoveryCode", "SchedulingLink",
    "UTCDateTime", "UserSession", "WebhookMessage", "WebhookSecret", "WorkerHeartbeat", "utcnow",
]  # fmt: skip
