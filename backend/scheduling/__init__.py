"""One-time scheduling links and their bookings: signed tokens, links, booking in one
transaction, cancel and reschedule, idempotent creates, the bookings' public URLs. Flask-free."""

from .bookings import (
    Invitee,
    LinkUnavailable,
    SlotUnavailable,
    book,
    booking_by_public_id,
    validate_invitee,
)
from .changes import BookingNotChangeable, BookingNotFound, cancel, reschedule
from .link_view import LinkView, load_link_view
from .links import (
    LinkNotFound,
    create_link,
    disable_link,
    effective_status,
    get_link,
    link_to_dict,
    list_links,
)
from .notices import RECIPIENTS, queue_notices
from .tokens import BadToken, TokenExpired, Tokens
from .urls import manage_urls

__all__ = [
    "BadToken", "BookingNotChangeable", "BookingNotFound", "Invitee", "LinkNotFound",
    "LinkUnavailable", "LinkView", "RECIPIENTS", "SlotUnavailable", "TokenExpired", "Tokens",
    "book", "booking_by_public_id", "cancel", "create_link", "disable_link", "effective_status",
    "get_link", "link_to_dict", "list_links", "load_link_view", "manage_urls", "queue_notices",
    "reschedule",
    "validate_invitee",
]  # fmt: skip
