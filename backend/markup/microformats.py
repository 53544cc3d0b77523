"""Microformats: mf2 ``h-card`` and classic hCard (``vcard``).

A property belongs to its nearest enclosing root: an ``h-*`` root for mf2, a ``vcard`` for
classic hCard. Nested ``p-org h-card`` cards are organizations of their parent, and a card
whose name is its organization (``class="p-name p-org"``, ``class="fn org"``) is an
organization card: neither is a person. An element carrying both ``h-card`` and ``vcard`` is
read as h-card only (mf2 parsers ignore the classic names when an mf2 root is present).
"""

from __future__ import annotations

import re

from lxml import etree

from ..text import normalize_email
from .tree import (
    MAX_PROPERTIES,
    classes,
    email_value,
    index_properties,
    owners_of,
    phone_value,
    plain_value,
    text_of,
)

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


def card_kind(element: etree._Element) -> str | None:
    """'h-card', 'hcard' (classic) or None."""
    names = classes(element)
    if "h-card" in names:
        return "h-card"
    if "vcard" in names:
        return "hcard"
    return None


def _owner(element: etree._Element, classic: bool) -> etree._Element | None:
    """The nearest enclosing root: a vcard (classic) or a known mf2 h-* root."""
    probe = "vcard" if classic else "h-"
    for ancestor in reversed(element.xpath(f"ancestor::*[contains(@class, '{probe}')]")):
        names = classes(ancestor)
        if ("vcard" in names) if classic else any(n in MF2_ROOTS for n in names):
            return ancestor
    return None


def _query(probes: tuple[str, ...]) -> etree.XPath:
    tests = " or ".join(f"contains(., '{p}')" for p in probes)
    return owners_of(f"descendant::*/@class[{tests}]", MAX_PROPERTIES)


_MF2_QUERY = _query(("p-", "u-", "e-", "h-"))
_CLASSIC_QUERY = _query(("fn", "name", "email", "org", "title", "role", "tel"))
_ORGANIZATION_NAME = etree.XPath(
    "*[contains(concat(' ', normalize-space(@class), ' '), ' organization-name ')]"
)


def _mf2_relevant(element: etree._Element) -> bool:
    # Properties we read, any other p-/e- property (they rule out an implied name) and nested
    # roots; not Tailwind's p-4 (mf2 property names are lowercase letters and hyphens).
    return any(n in _MF2 or n in MF2_ROOTS or _MF2_PROPERTY.fullmatch(n) for n in classes(element))


def _blocks_implied(name: str) -> bool:
    return name.startswith(("p-", "e-")) and _MF2_PROPERTY.fullmatch(name) is not None


def _classic_relevant(element: etree._Element) -> bool:
    return any(n in _CLASSIC for n in classes(element))


def index_cards(
    roots: list[etree._Element], classic: bool
) -> tuple[dict[etree._Element, list[etree._Element]], bool]:
    """{card root: its own property elements} for all cards of one kind on the page."""
    if classic:
        return index_properties(
            roots, _CLASSIC_QUERY, _classic_relevant, lambda e: _owner(e, True), MAX_PROPERTIES
        )
    return index_properties(
        roots, _MF2_QUERY, _mf2_relevant, lambda e: _owner(e, False), MAX_PROPERTIES
    )


def _org_value(element: etree._Element, classic: bool, index: dict) -> str:
    if classic:
        # hCard: <span class="org"><span class="organization-name">Acme</span> ...</span>
        inner = _ORGANIZATION_NAME(element)
        return plain_value(inner[0]) if inner else plain_value(element)
    if "h-card" in classes(element):
        # mf2: <span class="p-org h-card"><span class="p-name">Acme</span> ...</span>
        for prop in index.get(element, ()):
            if "p-name" in classes(prop):
                return plain_value(prop)
        return text_of(element)
    return plain_value(element)


def _properties(
    root: etree._Element, classic: bool, index: dict
) -> tuple[dict[str, tuple[str, str, etree._Element]], bool]:
    """The root's properties as {part: (value, class name, element)}, first one wins, and
    whether anything rules out an implied mf2 name (other p-/e- properties, nested roots)."""
    table = _CLASSIC if classic else _MF2
    found: dict[str, tuple[str, str, etree._Element]] = {}
    blocks_implied = False
    for element in index.get(root, ()):
        names = classes(element)
        if not classic and any(n in MF2_ROOTS or _blocks_implied(n) for n in names):
            blocks_implied = True
        for name in names:
            if name not in table or table[name][0] in found:
                continue
            part, read = table[name]
            org = part == "organization"
            value = _org_value(element, classic, index) if org else read(element)
            found[part] = (value, name, element)
    return found, blocks_implied


def _implied_name(root: etree._Element) -> str:
    if root.tag in ("img", "area") and root.get("alt"):
        return root.get("alt") or ""
    if root.tag == "abbr" and root.get("title"):
        return root.get("title") or ""
    return text_of(root)


def read_card(root: etree._Element, kind: str, index: dict) -> dict[str, tuple[str, str]] | None:
    """Raw values of a person card, or None for an organization card.

    ``index`` is :func:`index_cards` for the card's kind.
    """
    classic = kind == "hcard"
    if not classic and "p-org" in classes(root):
        return None  # the organization of the enclosing card, not a person
    props, blocks_implied = _properties(root, classic, index)
    raw = {part: (value, what) for part, (value, what, _el) in props.items()}
    if "name" not in raw:
        parts = [raw[p][0] for p in ("given", "family") if p in raw]
        if " ".join(parts).strip():
            raw["name"] = (" ".join(parts), "given-name/family-name" if classic else "p-given-name")
        elif not classic and not blocks_implied:
            implied = _implied_name(root)
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
