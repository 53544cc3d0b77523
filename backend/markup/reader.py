"""Reading one page's candidates into records, format by format (Flask-free).

The Reader remembers which elements describe someone (or an organization), so that a mailto:
link inside such an element is read as part of it rather than as a contact of its own.
"""

from __future__ import annotations

from lxml import etree

from . import tree as html_tree
from .formats import index_items, item_kind, read_mailto, read_microdata, read_native
from .jsonld import Budget, read_jsonld
from .microformats import card_kind, index_cards, read_card
from .values import SOURCES, Notes, Record, build_record

_KINDS = {
    "schedlink": "schedlink contact",
    "json-ld": "JSON-LD Person",
    "microdata": "microdata Person",
    "h-card": "h-card",
    "hcard": "hCard",
    "mailto": "mailto link",
}


class Reader:
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
        kind = _KINDS[source]
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
            self.notes.add(
                f"The markup has more than {html_tree.MAX_PROPERTIES} properties in cards or"
                " items of one kind; only the first were read."
            )
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
