"""Contacts from a page's markup: the server-side parser, single source of truth (Flask-free).

One pipeline, read top to bottom in :func:`parse_contacts`:

    bytes -> one soup (soup.py) -> raw records per format (native, jsonld, microdata,
    microformats, mailto) -> values cleaned and validated (values.py) -> merged by trust
    (merge.py)

docs/markup.md is the host developers' description of what is read. Everything in the input
is untrusted. Values come back as plain text (never markup, nothing escaped: callers escape at
the sink); hostile input ends in a MarkupError subclass or a result, in time proportional to
its size: every walk is bounded (soup.node_budget, tree.TEXT_BUDGET, the caps per
format).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.text import is_valid_email, normalize_email
from . import jsonld, mailto, merge, microdata, microformats, native, soup
from .errors import MarkupError, MarkupTooLarge, MarkupUnreadable
from .tree import Budget
from .values import FIELDS, SOURCES, Notes, build_records

__all__ = [
    "DEFAULT_MAX_BYTES",
    "KNOWN_SOURCES",
    "MAX_CONTACTS",
    "Contact",
    "MarkupError",
    "MarkupTooLarge",
    "MarkupUnreadable",
    "ParseResult",
    "is_valid_email",
    "normalize_email",
    "parse_contacts",
]

DEFAULT_MAX_BYTES = 1_048_576  # 1 MiB: whole pages are a developer's tool, fragments far less
KNOWN_SOURCES = SOURCES
MAX_CONTACTS = merge.MAX_CONTACTS
MAX_STRUCTURED = 500  # JSON-LD blocks, microdata items and cards read per page, in all


@dataclass(frozen=True)
class Contact:
    name: str | None
    email: str | None
    organization: str | None
    title: str | None
    phone: str | None
    tzid: str | None
    reference: str | None
    summary: str | None
    duration_minutes: int | None
    source: str
    answers: dict[str, str] | None = None  # data-answers-*: present only when the markup has some

    def to_dict(self) -> dict:
        data = {key: getattr(self, key) for key in FIELDS}
        if self.answers:
            data["answers"] = dict(self.answers)
        return data


@dataclass
class ParseResult:
    contacts: list[Contact]
    warnings: list[str]


def _structured_end(page: soup.Page, notes: Notes) -> int:
    """How far into ``page.elements`` the structured formats read: up to their 500th
    candidate (JSON-LD blocks, microdata items and cards alike, in document order)."""
    count = 0
    for index, element in enumerate(page.elements):
        if element.attrs and (
            jsonld.is_block(element)
            or microdata.is_item(element)
            or microformats.card_kind(element)
        ):
            count += 1
            if count > MAX_STRUCTURED:
                notes.add(
                    f"The markup has more than {MAX_STRUCTURED} structured elements;"
                    f" only the first {MAX_STRUCTURED} were read."
                )
                return index
    return len(page.elements)


def parse_contacts(
    html: str | bytes, url: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> ParseResult:
    """All contacts a page (or a fragment of one) describes, with warnings for its author.

    ``html`` is a str, or bytes in the encoding given by a BOM or ``<meta charset>`` (else
    UTF-8; invalid bytes become U+FFFD). ``url`` is the page address; no format read today
    needs it, it is accepted for the API contract. Raises MarkupTooLarge before parsing when the
    input is over ``max_bytes`` (UTF-8 bytes for a str), MarkupUnreadable when it cannot be
    parsed or is built to exhaust the parser.
    """
    notes = Notes()
    # 1. Bytes -> one soup.
    data = soup.to_bytes(html, max_bytes)
    page = soup.build(data, notes)
    if not page.elements:
        return ParseResult([], notes.result())
    # 2. Each format reads the soup into raw records (budget: text read, in all formats).
    budget = Budget(notes)
    end = _structured_end(page, notes)
    raws = [
        *native.read(page, notes),
        *jsonld.read(page, end, notes),
        *microdata.read(page, end, budget, notes),
        *microformats.read(page, end, budget, notes),
    ]
    links = mailto.read(page, budget, notes)
    # 3. Values cleaned and validated; mailto: links inside a card join that card.
    records, roots = build_records(raws, notes)
    link_records, _ = build_records(merge.unowned_links(links, roots), notes)
    # 4. Merged by trust.
    contacts = [
        Contact(**values, source=source)
        for values, source in merge.by_trust(records + link_records, notes)
    ]
    return ParseResult(contacts, notes.result())
