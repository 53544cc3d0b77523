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
from .changes import (
    BookingNotChangeable,
    BookingNotFound,
    BookingUnchanged,
    cancel,
    reschedule,
)
from .link_view import LinkView, load_link_view
from .links import (
    LINK_FILTERS,
    LinkNotFound,
    create_link,
    disable_link,
    effective_status,
    get_link,
    link_to_dict,
    links_page,
    list_links,
)
from .notices import RECIPIENTS, queue_notices
from .tokens import BadToken, TokenExpired, Tokens
from .urls import BookingUrls, link_url, manage_urls

__all__ = [
    "LINK_FILTERS", "RECIPIENTS", "BadToken", "BookingNotChangeable", "BookingNotFound",
    "BookingUnchanged", "BookingUrls",
    "Invitee", "LinkNotFound", "LinkUnavailable", "LinkView", "SlotUnavailable", "TokenExpired",
    "Tokens", "book", "booking_by_public_id", "cancel", "create_link", "disable_link",
    "effective_status", "get_link", "link_to_dict", "link_url", "links_page", "list_links",
    "load_link_view", "manage_urls", "queue_notices", "reschedule", "validate_invitee",
]  # fmt: skip
