"""Microformats: mf2 ``h-card`` and classic hCard (``vcard``).

A property belongs to its nearest enclosing root: an ``h-*`` root for mf2, a ``vcard`` for
classic hCard. Nested ``p-org h-card`` cards are organizations of their parent, and a card
whose name is its organization (``class="p-name p-org"``, ``class="fn org"``) is an
organization card: neither is a person. An element carrying both ``h-card`` and ``vcard`` is
read as h-card only (mf2 parsers ignore the classic names when an mf2 root is present).
"""

from __future__ import annotations

import re

from bs4 import Tag

from ..core.text import normalize_email
from .soup import Page
from .tree import (
    MAX_PROPERTIES,
    MAX_ROOT_PROPERTIES,
    Budget,
    Scopes,
    attribute,
    classes,
    email_value,
    line_of,
    phone_value,
    plain_value,
    text_of,
)
from .values import Notes, Raw

# Known mf2 root vocabularies. Only these end a property's scope: utility classes such as
# Tailwind's h-full or h-screen look like roots but are not microformats.
MF2_ROOTS = frozenset(
    {
        "h-adr", "h-app", "h-card", "h-cite", "h-entry", "h-event", "h-feed", "h-geo",
        "h-item", "h-listing", "h-product", "h-recipe", "h-resume", "h-review",
        "h-review-aggregate", "h-x-app",
    }
)  # fmt: skip
_MF2_PROPERTY = re.compile(r"[pue]-[a-z]+(?:-[a-z]+)*")
_MF2_PREFIXES = frozenset("pueh")

# mf2 property class -> (Contact field or name part, how the value is read)
_MF2 = {
    "p-name": ("name", plain_value),
    "p-given-name": ("given", plain_value),
    "p-family-name": ("family", plain_value),
    "u-email": ("email", email_value),
    "p-email": ("email", email_value),
    "p-org": ("organization", plain_value),
    "p-job-title": ("title", plain_value),
    "p-role": ("role", plain_value),
    "p-tel": ("phone", phone_value),
    "u-tel": ("phone", phone_value),
}
_CLASSIC = {
    "fn": ("name", plain_value),
    "given-name": ("given", plain_value),
    "family-name": ("family", plain_value),
    "email": ("email", email_value),
    "org": ("organization", plain_value),
    "title": ("title", plain_value),
    "role": ("role", plain_value),
    "tel": ("phone", phone_value),
}


def card_kind(element: Tag) -> str | None:
    """'h-card', 'hcard' (classic) or None."""
    names = classes(element)
    if "h-card" in names:
        return "h-card"
    if "vcard" in names:
        return "hcard"
    return None


def _mf2_relevant(names: list[str]) -> bool:
    # Properties we read, any other p-/e- property (they rule out an implied name) and nested
    # roots; not Tailwind's p-4 (mf2 property names are lowercase letters and hyphens). The
    # prefix test first: most pages' classes are nothing of the kind.
    return any(
        n[1:2] == "-" and n[:1] in _MF2_PREFIXES and (n in MF2_ROOTS or _MF2_PROPERTY.fullmatch(n))
        for n in names
    )


def _blocks_implied(name: str) -> bool:
    return name.startswith(("p-", "e-")) and _MF2_PROPERTY.fullmatch(name) is not None


def _properties(page: Page, classic: bool, notes: Notes) -> dict[int, list[Tag]]:
    """{id(card): its own property elements, in document order} for one kind of card.

    A property belongs to its nearest enclosing root: a vcard (classic) or a known mf2 root.
    """
    if classic:
        scopes = Scopes(lambda e: "vcard" in classes(e))
    else:
        scopes = Scopes(lambda e: any(n in MF2_ROOTS for n in classes(e)))
    kind = "hcard" if classic else "h-card"
    owned: dict[int, list[Tag]] = {}
    seen = 0
    for element in page.elements:
        if "class" not in element.attrs:
            continue
        names = classes(element)
        if not (any(n in _CLASSIC for n in names) if classic else _mf2_relevant(names)):
            continue
        card = scopes.owner(element)
        if card is None or (not classic and "h-card" not in classes(card)):
            continue
        mine = owned.setdefault(id(card), [])
        if len(mine) == MAX_ROOT_PROPERTIES:
            notes.add(
                f"An {_LABELS[kind]}{line_of(card)} has more than {MAX_ROOT_PROPERTIES}"
                " properties; only the first were read."
            )
            continue
        seen += 1
        if seen > MAX_PROPERTIES:
            notes.add(
                f"The markup has more than {MAX_PROPERTIES} {_LABELS[kind]} properties;"
                " only the first were read."
            )
            break
        mine.append(element)
    return owned


_LABELS = {"h-card": "h-card", "hcard": "hCard"}


def _org_value(element: Tag, classic: bool, owned: dict, budget: Budget) -> str:
    if classic:
        # hCard: <span class="org"><span class="organization-name">Acme</span> ...</span>
        for child in element.contents[:MAX_ROOT_PROPERTIES]:
            if type(child) is Tag and "organization-name" in classes(child):
                return plain_value(child, budget)
        return plain_value(element, budget)
    if "h-card" in classes(element):
        # mf2: <span class="p-org h-card"><span class="p-name">Acme</span> ...</span>
        for prop in owned.get(id(element), ()):
            if "p-name" in classes(prop):
                return plain_value(prop, budget)
        return text_of(element, budget)
    return plain_value(element, budget)


def _card_properties(
    card: Tag, classic: bool, owned: dict, budget: Budget
) -> tuple[dict[str, tuple[str, str, Tag]], bool]:
    """The card's properties as {part: (value, class name, element)}, first one wins, and
    whether anything rules out an implied mf2 name (other p-/e- properties, nested roots)."""
    table = _CLASSIC if classic else _MF2
    found: dict[str, tuple[str, str, Tag]] = {}
    blocks_implied = False
    for element in owned.get(id(card), ()):
        names = classes(element)
        if not classic and any(n in MF2_ROOTS or _blocks_implied(n) for n in names):
            blocks_implied = True
        for name in names:
            if name not in table or table[name][0] in found:
                continue
            part, read_value = table[name]
            if part == "organization":
                value = _org_value(element, classic, owned, budget)
            else:
                value = read_value(element, budget)
            found[part] = (value, name, element)
    return found, blocks_implied


def _implied_name(card: Tag, budget: Budget) -> str:
    if card.name in ("img", "area") and attribute(card, "alt"):
        return attribute(card, "alt") or ""
    if card.name == "abbr" and attribute(card, "title"):
        return attribute(card, "title") or ""
    return text_of(card, budget)


def _values(card: Tag, classic: bool, owned: dict, budget: Budget) -> dict | None:
    """Raw values of a person card, or None for an organization card."""
    if not classic and "p-org" in classes(card):
        return None  # the organization of the enclosing card, not a person
    props, blocks_implied = _card_properties(card, classic, owned, budget)
    raw = {part: (value, what) for part, (value, what, _el) in props.items()}
    if "name" not in raw:
        parts = [raw[p][0] for p in ("given", "family") if p in raw]
        if " ".join(parts).strip():
            raw["name"] = (" ".join(parts), "given-name/family-name" if classic else "p-given-name")
        elif not classic and not blocks_implied:
            implied = _implied_name(card, budget)
            if normalize_email(implied) is None:  # <a class="h-card" href=…>ada@x.org</a>
                raw["name"] = (implied, "implied name")
    if "title" not in raw and "role" in raw:
        raw["title"] = raw["role"]
    for part in ("given", "family", "role"):
        raw.pop(part, None)
    if "name" in props and "organization" in props:
        name, org = props["name"], props["organization"]
        if name[2] is org[2] or " ".join(name[0].split()) == " ".join(org[0].split()):
            return None  # fn == org: the card describes an organization
    return raw


def read(page: Page, end: int, budget: Budget, notes: Notes) -> list[Raw]:
    """Raw records of the h-cards and classic hCards among ``page.elements[:end]`` (cards
    that describe an organization too, as elements whose mailto: links are their own).

    An element with both ``h-card`` and ``vcard`` is read as an h-card only (mf2 parsers
    ignore the classic names when an mf2 root is present).
    """
    cards = [
        (i, card, kind)
        for i, card in enumerate(page.elements[:end])
        if "class" in card.attrs and (kind := card_kind(card))
    ]
    raws: list[Raw] = []
    for kind in ("h-card", "hcard"):
        mine = [(i, card) for i, card, k in cards if k == kind]
        if not mine:
            continue
        classic = kind == "hcard"
        owned = _properties(page, classic, notes)
        count = 0
        for index, card in mine:
            values = _values(card, classic, owned, budget)
            if values is None:
                raws.append(Raw(kind, (1, index, 1), "", None, card))
                continue
            count += 1
            label = f"{_LABELS[kind]} #{count}{line_of(card)}"
            raws.append(Raw(kind, (1, index, 1), label, values, card))
    return raws
