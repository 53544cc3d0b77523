"""Contacts from a page's markup: the server-side parser, single source of truth (Flask-free).

Formats, most trusted first: the native ``data-schedlink-contact`` element, schema.org Person
as JSON-LD and as microdata, microformats2 ``h-card``, classic hCard, and ``mailto:`` links as
a last resort. docs/markup.md is the host developers' description of what is read here.

Everything in the input is untrusted. Values come back as plain text (never markup, nothing
escaped: callers escape at the sink); hostile input ends in a MarkupError subclass or a
result, quickly, never in anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ..text import is_valid_email, normalize_email
from . import parse as markup_parse
from . import tree as html_tree
from .reader import Reader
from .values import FIELDS, RANK, SOURCES, Notes, Record

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

DEFAULT_MAX_BYTES = 2_000_000
KNOWN_SOURCES = SOURCES
MAX_CONTACTS = 50
MAX_NATIVE = 100  # candidate elements read per format family
MAX_STRUCTURED = 500
MAX_MAILTO = 500

# Candidates are found by XPath in C (see markup_parse for why not BeautifulSoup), each query
# capped before libxml2 sorts or de-duplicates (see markup_html.owners_of). The class query,
# the costliest, runs only when "card" occurs in the bytes at all.
_NATIVE = html_tree.owners_of("descendant::*/@data-schedlink-contact", MAX_NATIVE)
# Same test as the extension's a[href^="mailto:" i]; the first-letter test is a cheap filter.
_MAILTO = html_tree.owners_of(
    "descendant::a/@href[contains('mM', substring(., 1, 1))"
    " and translate(substring(., 1, 7), 'MAILTO', 'mailto') = 'mailto:']",
    MAX_MAILTO,
)
_FIRST = f"[position() <= {MAX_STRUCTURED + 1}]"
_STRUCTURED = (
    f"(descendant::script[contains(translate(@type, 'LDJSON', 'ldjson'), 'ld+json')]){_FIRST}"
    f" | (descendant::*/@itemscope){_FIRST}/.."
)
_CARDS = f" | (descendant::*/@class[contains(., 'card')]){_FIRST}/.."  # h-card and vcard
_STRUCTURED_QUERY = etree.XPath(_STRUCTURED)  # a union: document order
_STRUCTURED_AND_CARDS_QUERY = etree.XPath(_STRUCTURED + _CARDS)


class MarkupError(Exception):
    """The markup cannot be read."""


class MarkupTooLarge(MarkupError):
    """The input is larger than ``max_bytes`` (checked before parsing)."""


class MarkupUnreadable(MarkupError):
    """The input cannot be decoded or parsed at all, or is built to exhaust the parser."""


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

    def to_dict(self) -> dict:
        return {key: getattr(self, key) for key in FIELDS}


@dataclass
class ParseResult:
    contacts: list[Contact]
    warnings: list[str]


def _utf8(html: str | bytes, max_bytes: int) -> bytes:
    if isinstance(html, bytearray | memoryview):
        html = bytes(html)
    if isinstance(html, bytes):
        if len(html) > max_bytes:
            raise MarkupTooLarge(f"the markup is over {max_bytes} bytes")
        return markup_parse.to_utf8(html)
    if not isinstance(html, str):
        raise MarkupUnreadable("the markup must be a string")
    if len(html) > max_bytes:  # every character is at least one byte
        raise MarkupTooLarge(f"the markup is over {max_bytes} bytes")
    data = html.encode("utf-8", "replace")  # lone surrogates become "?"
    if len(data) > max_bytes:
        raise MarkupTooLarge(f"the markup is over {max_bytes} bytes")
    return data


def _capped(items: list, limit: int, what: str, notes: Notes) -> list:
    if len(items) > limit:
        notes.add(f"The markup has more than {limit} {what}; only the first {limit} were read.")
        return items[:limit]
    return items


def _merge(records: list[Record], notes: Notes) -> list[Contact]:
    """One contact per e-mail address (case-insensitive); without one, one per record.

    Field by field the most trusted source wins, then document order; ``source`` is the most
    trusted source in the group. Order: native contacts, then the structured formats in
    document order, then contacts found only as mailto links.
    """
    groups: list[list[Record]] = []
    by_email: dict[str, list[Record]] = {}
    for record in sorted(records, key=lambda r: r.order):
        email = record.values.get("email")
        if isinstance(email, str) and email:
            key = email.lower()
            if key in by_email:
                by_email[key].append(record)
                continue
            by_email[key] = [record]
            groups.append(by_email[key])
        else:
            groups.append([record])
    if len(groups) > MAX_CONTACTS:
        notes.add(
            f"The markup holds {len(groups)} contacts; only the first {MAX_CONTACTS} are returned."
        )
        groups = groups[:MAX_CONTACTS]
    contacts = []
    for group in groups:
        ranked = sorted(group, key=lambda r: (RANK[r.source], r.order))
        values = {
            key: next((r.values[key] for r in ranked if r.values.get(key) is not None), None)
            for key in FIELDS
            if key != "source"
        }
        contacts.append(Contact(**values, source=ranked[0].source))
    return contacts


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
    data = _utf8(html, max_bytes)
    try:
        root, depth = markup_parse.parse(data)
    except markup_parse.Unreadable as exc:
        raise MarkupUnreadable(str(exc)) from exc
    notes = Notes()
    if root is None:
        return ParseResult([], [])
    if depth is not None:
        note = f"The markup nests elements more than {markup_parse.LIBXML2_DEPTH} deep"
        if depth == "flattened":
            note += (
                f"; elements with attributes deeper than {markup_parse.DEPTH_CAP} levels were read"
                " as if less deeply nested, so contacts there may be incomplete"
            )
        notes.add(note + ".")
    reader = Reader(notes)
    natives = _capped(_NATIVE(root), MAX_NATIVE, "native elements", notes)
    for index, element in enumerate(natives):
        reader.native(index, element)
    query = _STRUCTURED_AND_CARDS_QUERY if b"card" in data else _STRUCTURED_QUERY
    reader.structured(_capped(query(root), MAX_STRUCTURED, "structured elements", notes))
    # Always queried: a marker test would have to be case-insensitive and see through
    # entity-encoded hrefs, and lower-casing a copy of the page costs more than the query.
    for index, anchor in enumerate(_capped(_MAILTO(root), MAX_MAILTO, "mailto links", notes)):
        reader.mailto(index, anchor)
    contacts = _merge(reader.records, notes)
    return ParseResult(contacts, notes.result())
