"""Contacts from page markup: untrusted bytes -> one parsed tree -> records per format ->
values cleaned -> contacts merged by trust. Flask-free; `parse_contacts` is the way in."""

from .contacts import (
    Contact,
    MarkupError,
    MarkupTooLarge,
    MarkupUnreadable,
    ParseResult,
    parse_contacts,
)

__all__ = [
    "Contact", "MarkupError", "MarkupTooLarge", "MarkupUnreadable", "ParseResult",
    "parse_contacts",
]  # fmt: skip
