"""Public URLs of a booking's pages, built from BASE_URL so the worker (no request) can
put them in e-mails too. Each carries a token signed for that one purpose."""

from __future__ import annotations

from flask import current_app

from .models import Booking


def _url(path: str, purpose: str, booking: Booking) -> str:
    tokens = current_app.extensions["schedlink.tokens"]
    token = tokens.dumps(purpose, booking.public_id, int(booking.created_at.timestamp()))
    return f"{current_app.config['BASE_URL']}{path}{token}"


def manage_urls(booking: Booking) -> dict[str, str]:
    return {
        "cancel": _url("/booking/cancel/", "cancel", booking),
        "reschedule": _url("/booking/reschedule/", "reschedule", booking),
    }


def confirmation_url(booking: Booking) -> str:
    return _url("/booked/", "confirmation", booking)
