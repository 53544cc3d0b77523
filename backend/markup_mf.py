"""Microformats: mf2 ``h-card`` and classic hCard (``vcard``).

A property belongs to its nearest enclosing root: an ``h-*`` root for mf2, a ``vcard`` for
classic hCard. Nested ``p-org h-card`` cards are organizations of their parent, and a card
whose name is its organization (``class="p-name p-org"``, ``class="fn org"``) is an
organization card: neither is a person. An element carrying both ``h-card`` and ``vcard`` is
read as h-card only (mf2 parsers ignore the classic names when an mf2 root is present).
"""

from __future__ import annotations

from lxml import etree

from .markup_html import classes, email_value, phone_value, plain_value, text_of
from .markup_values import normalize_email

# Known mf2 root vocabularies. Only these end a property's scope: utility classes such as
# Tailwind's h-full or h-screen look like roots but are not microformats.
MF2_ROOTS = frozenset(
    "h-adr h-app h-card h-cite h-entry h-event h-feed h-geo h-item h-listing h-product "
    "h-recipe h-resume h-review h-review-aggregate h-x-app".split()
)
MAX_PROPERTIES = 200  # property elements examined per card

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


_MF2_QUERY = "descendant::*[" + " or ".join(
    f"contains(@class, '{p}')" for p in ("p-", "u-", "e-", "h-")
) + "]"
_CLASSIC_QUERY = "descendant::*[" + " or ".join(
    f"contains(@class, '{p}')" for p in ("fn", "name", "email", "org", "title", "role", "tel")
) + "]"


def _org_value(element: etree._Element, classic: bool) -> str:
    if classic:
        # hCard: <span class="org"><span class="organization-name">Acme</span> ...</span>
        inner = element.xpath(
            "descendant::*[contains(concat(' ', normalize-space(@class), ' '),"
            " ' organization-name ')]"
        )
        return plain_value(inner[0]) if inner else plain_value(element)
    if "h-card" in classes(element):
        # <span class="p-org h-card"><span class="p-name">Acme</span> ...</span>
        props, _ = _properties(element, {"p-name": ("name", plain_value)}, classic=False)
        return props["name"][0] if "name" in props else text_of(element)
    return plain_value(element)


def _properties(root: etree._Element, table: dict, classic: bool) -> tuple[dict, bool]:
    """The root's own properties as {part: (value, class name, element)}, first one wins, and
    whether anything rules out an implied mf2 name (other p-/e- properties, nested roots)."""
    found: dict[str, tuple[str, str, etree._Element]] = {}
    blocks_implied = False
    for element in root.xpath(_CLASSIC_QUERY if classic else _MF2_QUERY)[:MAX_PROPERTIES]:
        if _owner(element, classic) is not root:
            continue  # a property of a nested card (or other microformat)
        names = classes(element)
        if not classic and any(n.startswith(("p-", "e-")) or n in MF2_ROOTS for n in names):
            blocks_implied = True
        for name in names:
            if name not in table or table[name][0] in found:
                continue
            part, read = table[name]
            value = _org_value(element, classic) if part == "organization" else read(element)
            found[part] = (value, name, element)
    return found, blocks_implied


def _implied_name(root: etree._Element) -> str:
    if root.tag in ("img", "area") and root.get("alt"):
        return root.get("alt") or ""
    if root.tag == "abbr" and root.get("title"):
        return root.get("title") or ""
    return text_of(root)


def read_card(root: etree._Element, kind: str) -> dict[str, tuple[str, str]] | None:
    """Raw values of a person card, or None for an organization card."""
    classic = kind == "hcard"
    if not classic and "p-org" in classes(root):
        return None  # the organization of the enclosing card, not a person
    props, blocks_implied = _properties(root, _CLASSIC if classic else _MF2, classic)
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
