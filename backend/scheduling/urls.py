"""Public URLs of a booking's pages, built from the public base URL so the worker (no request)
can put them in e-mails too. Each carries a token signed for that one purpose."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Booking, SchedulingLink
from .tokens import Tokens


def _url(tokens: Tokens, base_url: str, path: str, purpose: str, booking: Booking) -> str:
    token = tokens.dumps(purpose, booking.public_id, int(booking.created_at.timestamp()))
    return f"{base_url}{path}{token}"


def manage_urls(tokens: Tokens, base_url: str, booking: Booking) -> dict[str, str]:
    return {
        "cancel": _url(tokens, base_url, "/booking/cancel/", "cancel", booking),
        "reschedule": _url(tokens, base_url, "/booking/reschedule/", "reschedule", booking),
    }


def link_url(tokens: Tokens, base_url: str, link: SchedulingLink) -> str:
    """The booking page of a link: the same URL every time it is asked for."""
    if link.kind == "page":  # a reusable booking page: its readable address
        return f"{base_url}/{link.account.slug}/{link.slug}"
    token = tokens.dumps("booking", link.public_id, issued_at=int(link.created_at.timestamp()))
    return f"{base_url}/b/{token}"


@dataclass(frozen=True)
class BookingUrls:
    """What a booking change needs to put the invitee's own pages into the host's channel
    notifications (tokens and the public base URL; the domain has no request to ask)."""

    tokens: Tokens
    base_url: str

    def manage(self, booking: Booking) -> dict[str, str]:
        return manage_urls(self.tokens, self.base_url, booking)
