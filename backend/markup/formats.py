"""The native ``data-schedlink-contact`` format, schema.org microdata, and ``mailto:`` links.

Each reader returns raw values, {Contact field: (value as found, the name the format gives
it)}; cleaning and validation happen once, in markup_values.build_record.
"""

from __future__ import annotations

from lxml import etree

from ..text import normalize_email
from .tree import (
    MAX_PROPERTIES,
    email_value,
    index_properties,
    owners_of,
    phone_value,
    plain_value,
    text_of,
)
from .values import mailto_addresses

NATIVE_ATTRIBUTES = {
    "name": "data-name",
    "email": "data-email",
    "organization": "data-organization",
    "title": "data-title",
    "phone": "data-phone",
    "tzid": "data-tzid",
    "reference": "data-reference",
    "summary": "data-summary",
    "duration_minutes": "data-duration",
}


def read_native(element: etree._Element) -> dict[str, tuple[str, str]]:
    return {
        key: (value, attribute)
        for key, attribute in NATIVE_ATTRIBUTES.items()
        if (value := element.get(attribute)) is not None
    }


def item_kind(element: etree._Element) -> str | None:
    """'person', 'organization' (a card that is not a person) or None for any other item."""
    for itemtype in (element.get("itemtype") or "").split():
        last = itemtype.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        if last == "Person":
            return "person"
        if last in ("Organization", "Corporation", "LocalBusiness"):
            return "organization"
    return None


_ITEM_PROPERTIES = owners_of("descendant::*/@itemprop", MAX_PROPERTIES)
_ITEM_OWNER = etree.XPath("ancestor::*[@itemscope][1]")


def _owner(element: etree._Element) -> etree._Element | None:
    found = _ITEM_OWNER(element)
    return found[0] if found else None


def index_items(
    items: list[etree._Element],
) -> tuple[dict[etree._Element, list[etree._Element]], bool]:
    """{item: its own itemprop elements (not nested items')} for the given items' subtrees."""
    return index_properties(items, _ITEM_PROPERTIES, lambda e: True, _owner, MAX_PROPERTIES)


def _properties(item: etree._Element, index: dict) -> dict[str, etree._Element]:
    found: dict[str, etree._Element] = {}
    for element in index.get(item, ()):
        for name in (element.get("itemprop") or "").split():
            # Absolute property names (https://schema.org/email) count by their last part.
            found.setdefault(name.rstrip("/").rsplit("/", 1)[-1], element)
    return found


def _organization(element: etree._Element, index: dict) -> str:
    if element.get("itemscope") is not None:
        nested = _properties(element, index)
        for key in ("name", "legalName"):
            if key in nested:
                return plain_value(nested[key])
    return plain_value(element)


def read_microdata(item: etree._Element, index: dict) -> dict[str, tuple[str, str]]:
    """Raw values of a schema.org Person item; ``index`` is :func:`index_items`.

    Text properties read ``content`` of ``<meta>`` and otherwise the text, never an ``href``:
    ``<a itemprop="name" href="/u/1">Ada</a>`` means Ada to its author, whatever the spec says.
    """
    props = _properties(item, index)
    raw: dict[str, tuple[str, str]] = {}
    if "name" in props:
        raw["name"] = (plain_value(props["name"]), "itemprop=name")
    else:
        parts = [plain_value(props[k]) for k in ("givenName", "familyName") if k in props]
        if parts:
            raw["name"] = (" ".join(parts), "itemprop=givenName/familyName")
    if "email" in props:
        raw["email"] = (email_value(props["email"]), "itemprop=email")
    if "telephone" in props:
        raw["phone"] = (phone_value(props["telephone"]), "itemprop=telephone")
    if "jobTitle" in props:
        raw["title"] = (plain_value(props["jobTitle"]), "itemprop=jobTitle")
    for key in ("worksFor", "affiliation"):
        if key in props:
            raw["organization"] = (_organization(props[key], index), f"itemprop={key}")
            break
    return raw


def read_mailto(anchor: etree._Element) -> list[tuple[str, str | None]]:
    """(normalized address, name) pairs of a mailto: link; invalid addresses are skipped.

    The link text names the address only when the link has one address and the text is not
    itself an address ("ada@example.com", "Mail us" pointing at two people: no name).
    """
    pairs = mailto_addresses(anchor.get("href") or "")
    out = []
    text = None
    if len(pairs) == 1 and pairs[0][1] is None:
        text = " ".join(text_of(anchor).split())
        if normalize_email(text) is not None or not any(ch.isalpha() for ch in text):
            text = None
    for address, display in pairs:
        email = normalize_email(address)
        if email is not None:
            out.append((email, display if display is not None else text))
    return out
