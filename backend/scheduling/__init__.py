"""One-time scheduling links and their bookings: signed tokens, links, booking in one
transaction, cancel and reschedule, idempotent creates, the bookings' public URLs. Flask-free."""

from .bookings import (
    Invitee,
    LinkUnavailable,
    SlotUnavailable,
    book,
    booking_by_public_id,
    hosts_as_one,
    names_together,
    seat_accounts,
    team_as_one,
    validate_invitee,
)
from .changes import (
    BookingMovedMeanwhile,
    BookingNotChangeable,
    BookingNotFound,
    BookingUnchanged,
    cancel,
    is_host_of,
    reschedule,
)
from .link_view import LinkView, load_link_view, load_page_view
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
from .pages import (
    UNLIMITED_USES,
    create_page,
    delete_page,
    get_page,
    list_pages,
    page_to_dict,
    page_url,
    update_page,
)
from .proposals import propose
from .real_time import (
    create_real_time,
    create_real_time_sequence,
    get_real_time,
    report_no_times,
    rts_status,
    rts_to_dict,
)
from .slugs import (
    ensure_host_slug,
    host_by_slug,
    page_redirect,
    reserved_prefixes,
    set_host_slug,
    slug_problem,
)
from .tokens import BadToken, TokenExpired, Tokens
from .urls import BookingUrls, link_url, manage_urls

__all__ = [
    "BadToken", "BookingMovedMeanwhile", "BookingNotChangeable", "BookingNotFound",
    "BookingUnchanged", "BookingUrls",
    "Invitee", "LINK_FILTERS", "LinkNotFound", "LinkUnavailable", "LinkView", "RECIPIENTS",
    "SlotUnavailable", "TokenExpired", "Tokens", "book", "booking_by_public_id", "cancel",
    "create_link", "disable_link", "effective_status", "get_link", "hosts_as_one",
    "link_to_dict", "link_url", "links_page", "list_links", "load_link_view", "manage_urls",
    "names_together", "queue_notices", "reschedule", "seat_accounts", "team_as_one",
    "validate_invitee", "create_real_time", "create_real_time_sequence", "get_real_time",
    "report_no_times", "rts_status", "rts_to_dict", "is_host_of", "propose",
    "UNLIMITED_USES", "create_page", "delete_page", "get_page", "list_pages", "page_to_dict",
    "page_url", "update_page", "load_page_view", "ensure_host_slug", "host_by_slug",
    "page_redirect", "reserved_prefixes", "set_host_slug", "slug_problem",
]  # fmt: skip
