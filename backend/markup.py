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

from . import markup_html as html_tree
from .markup_formats import index_items, item_kind, read_mailto, read_microdata, read_native
from .markup_jsonld import Budget, read_jsonld
from .markup_mf import card_kind, index_cards, read_card
from .markup_values import (
    FIELDS,
    RANK,
    SOURCES,
    Notes,
    Record,
    build_record,
    is_valid_email,
    normalize_email,
)

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

# Candidates are found by XPath in C (see markup_html for why not BeautifulSoup). Attribute-axis
# forms (descendant::*/@x/..) are 3x faster in libxml2 than predicates (descendant::*[@x]).
# The costlier queries run only when their marker occurs in the bytes at all.
_NATIVE = etree.XPath("descendant::*/@data-schedlink-contact/..")
# Same test as the extension's a[href^="mailto:" i].
_MAILTO = etree.XPath(
    "descendant::a/@href[translate(substring(., 1, 7), 'MAILTO', 'mailto') = 'mailto:']/.."
)
_STRUCTURED_PARTS = (
    (b"", "descendant::script[contains(translate(@type, 'LDJSON', 'ldjson'), 'ld+json')]"),
    (b"", "descendant::*/@itemscope/.."),
    (b"card", "descendant::*/@class[contains(., 'card')]/.."),  # h-card and vcard
)
_structured_queries: dict[tuple[bool, ...], etree.XPath] = {}


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
        return html_tree.to_utf8(html)
    if not isinstance(html, str):
        raise MarkupUnreadable("the markup must be a string")
    if len(html) > max_bytes:  # every character is at least one byte
        raise MarkupTooLarge(f"the markup is over {max_bytes} bytes")
    data = html.encode("utf-8", "replace")  # lone surrogates become "?"
    if len(data) > max_bytes:
        raise MarkupTooLarge(f"the markup is over {max_bytes} bytes")
    return data


def _structured(root: etree._Element, lowered: bytes) -> list[etree._Element]:
    key = tuple(marker in lowered for marker, _ in _STRUCTURED_PARTS)
    if not any(key):
        return []
    query = _structured_queries.get(key)
    if query is None:
        parts = [q for (_, q), wanted in zip(_STRUCTURED_PARTS, key, strict=True) if wanted]
        query = _structured_queries[key] = etree.XPath(" | ".join(parts))  # document order
    return query(root)


class _Reader:
    """One parse: collects records, remembers which elements describe a card."""

    def __init__(self, notes: Notes) -> None:
        self.notes = notes
        self.records: list[Record] = []
        # Elements that describe someone (-> their record) or an organization (-> None): the
        # mailto links inside them are theirs. A card that yielded nothing is not listed.
        self.roots: dict[etree._Element, Record | None] = {}
        self.counts = dict.fromkeys(SOURCES, 0)
        self.budget = Budget()

    def label(self, source: str, element: etree._Element | None) -> str:
        self.counts[source] += 1
        kind = {
            "schedlink": "schedlink contact",
            "json-ld": "JSON-LD Person",
            "microdata": "microdata Person",
            "h-card": "h-card",
            "hcard": "hCard",
            "mailto": "mailto link",
        }[source]
        where = html_tree.line_of(element) if element is not None else ""
        return f"{kind} #{self.counts[source]}{where}"

    def add(self, source: str, order: tuple, label: str, raw: dict) -> Record | None:
        record = build_record(source, order, label, raw, self.notes)
        if record is None:
            self.notes.add(f"{label} has neither a valid e-mail address nor a name; ignored.")
        else:
            self.records.append(record)
        return record

    def native(self, index: int, element: etree._Element) -> None:
        label = self.label("schedlink", element)
        if not html_tree.is_hidden(element):
            self.notes.add(
                f"{label} is visible on the page; host apps usually hide it "
                '(hidden, aria-hidden="true" or style="display:none").'
            )
        self._root(element, self.add("schedlink", (0, index, 0), label, read_native(element)))

    def structured(self, elements: list[etree._Element]) -> None:
        """JSON-LD scripts, microdata items and cards, read in document order."""
        items: dict[etree._Element, str] = {}
        cards: dict[etree._Element, str] = {}
        for element in elements:
            if element.get("itemscope") is not None and (kind := item_kind(element)):
                items[element] = kind
            if kind := card_kind(element):
                cards[element] = kind
        item_index = self._index(index_items, [e for e, k in items.items() if k == "person"])
        card_index = {
            kind: self._index(index_cards, [e for e, k in cards.items() if k == kind], classic)
            for kind, classic in (("h-card", False), ("hcard", True))
        }
        for index, element in enumerate(elements):
            if element.tag == "script":
                self._jsonld(index, element)
            if items.get(element) == "person":
                label = self.label("microdata", element)
                raw = read_microdata(element, item_index)
                self._root(element, self.add("microdata", (1, index, 0), label, raw))
            elif element in items:
                self.roots.setdefault(element, None)  # an organization, not a person
            if element in cards:
                kind = cards[element]
                raw = read_card(element, kind, card_index[kind])
                if raw is None:
                    self.roots.setdefault(element, None)  # an organization card
                else:
                    self._root(
                        element, self.add(kind, (1, index, 1), self.label(kind, element), raw)
                    )

    def _root(self, element: etree._Element, record: Record | None) -> None:
        if record is not None:
            self.roots.setdefault(element, record)

    def _index(self, build, roots: list, *args) -> dict:
        if not roots:
            return {}
        index, truncated = build(roots, *args)
        if truncated:
            self.notes.add("The page has too many properties in cards/items; only some were read.")
        return index

    def _jsonld(self, index: int, element: etree._Element) -> None:
        where = html_tree.line_of(element)
        for sub, raw in enumerate(read_jsonld(element.text or "", self.budget, self.notes, where)):
            self.add("json-ld", (1, index, sub), self.label("json-ld", element), raw)

    def mailto(self, index: int, anchor: etree._Element) -> None:
        pairs = read_mailto(anchor)
        if not pairs:
            return
        # A link inside a card belongs to that card: it is not a contact of its own, but it
        # may supply the address a person card lacks.
        for element in (anchor, *anchor.iterancestors()):
            if element in self.roots:
                record = self.roots[element]
                if record is not None and not record.values.get("email"):
                    record.values["email"] = pairs[0][0]
                return
        for sub, (email, name) in enumerate(pairs):
            raw = {"email": (email, "href")}
            if name:
                raw["name"] = (name, "link text")
            self.add("mailto", (2, index, sub), self.label("mailto", anchor), raw)


def _capped(items: list, limit: int, what: str, notes: Notes) -> list:
    if len(items) > limit:
        notes.add(f"Only the first {limit} of {len(items)} {what} were read.")
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
        root, depth = html_tree.parse(data)
    except html_tree.Unreadable as exc:
        raise MarkupUnreadable(str(exc)) from exc
    notes = Notes()
    if root is None:
        return ParseResult([], [])
    if depth is not None:
        note = f"The markup nests elements more than {html_tree.LIBXML2_DEPTH} deep"
        if depth == "flattened":
            note += (
                f"; elements with attributes deeper than {html_tree.DEPTH_CAP} levels were read"
                " as if less deeply nested, so contacts there may be incomplete"
            )
        notes.add(note + ".")
    lowered = data.lower()
    reader = _Reader(notes)
    natives = _capped(_NATIVE(root), MAX_NATIVE, "native elements", notes)
    for index, element in enumerate(natives):
        reader.native(index, element)
    reader.structured(
        _capped(_structured(root, lowered), MAX_STRUCTURED, "structured elements", notes)
    )
    if b"mailto" in lowered or b"&#" in lowered:  # entity-obfuscated hrefs decode to mailto:
        anchors = _capped(_MAILTO(root), MAX_MAILTO, "mailto links", notes)
        for index, anchor in enumerate(anchors):
            reader.mailto(index, anchor)
    contacts = _merge(reader.records, notes)
    return ParseResult(contacts, notes.result())
