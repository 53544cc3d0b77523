"""The native ``data-schedlink-contact`` format, schema.org microdata, and ``mailto:`` links.

Each reader returns raw values, {Contact field: (value as found, the name the format gives
it)}; cleaning and validation happen once, in markup_values.build_record.
"""

from __future__ import annotations

from lxml import etree

from .markup_html import email_value, phone_value, plain_value, text_of
from .markup_values import mailto_addresses, normalize_email

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
MAX_ITEM_PROPERTIES = 200  # itemprop elements examined per microdata item


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


def _item_properties(item: etree._Element) -> dict[str, etree._Element]:
    """{itemprop name: first element} for the item's own properties (not nested items')."""
    found: dict[str, etree._Element] = {}
    for element in item.xpath("descendant::*[@itemprop]")[:MAX_ITEM_PROPERTIES]:
        owner = element.xpath("ancestor::*[@itemscope][1]")
        if not owner or owner[0] is not item:
            continue
        for name in (element.get("itemprop") or "").split():
            # Absolute property names (https://schema.org/email) count by their last part.
            found.setdefault(name.rstrip("/").rsplit("/", 1)[-1], element)
    return found


def _organization(element: etree._Element) -> str:
    if element.get("itemscope") is not None:
        nested = _item_properties(element)
        if "name" in nested:
            return plain_value(nested["name"])
        if "legalName" in nested:
            return plain_value(nested["legalName"])
    return plain_value(element)


def read_microdata(item: etree._Element) -> dict[str, tuple[str, str]]:
    """Raw values of a schema.org Person item.

    Text properties read ``content`` of ``<meta>`` and otherwise the text, never an ``href``:
    ``<a itemprop="name" href="/u/1">Ada</a>`` means Ada to its author, whatever the spec says.
    """
    props = _item_properties(item)
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
            raw["organization"] = (_organization(props[key]), f"itemprop={key}")
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
