"""``mailto:`` links, the last resort (docs/markup.md §2).

The same links the extension's ``a[href^="mailto:" i]`` selects. Whether a link belongs to a
card around it is decided when records are merged (merge.unowned_links): only then is it known
which cards yielded a contact.
"""

from __future__ import annotations

from dataclasses import dataclass

from bs4 import Tag

from ..core.text import normalize_email
from .soup import Page
from .tree import Budget, attribute, line_of, text_of
from .values import Notes, Raw, mailto_addresses

MAX_MAILTO = 500  # links read per page
MAX_ADDRESSES = 20  # addresses read per link


@dataclass
class Link:
    anchor: Tag
    raws: list[Raw]  # one per valid address, in order


def _pairs(anchor: Tag, budget: Budget) -> list[tuple[str, str | None]]:
    """(normalized address, name) pairs of a mailto: link; invalid addresses are skipped.

    The link text names the address only when the link has one address and the text is not
    itself an address ("ada@example.com", "Mail us" pointing at two people: no name).
    """
    pairs = mailto_addresses(attribute(anchor, "href") or "")[:MAX_ADDRESSES]
    text = None
    if len(pairs) == 1 and pairs[0][1] is None:
        text = " ".join(text_of(anchor, budget).split())
        if normalize_email(text) is not None or not any(ch.isalpha() for ch in text):
            text = None
    out = []
    for address, display in pairs:
        email = normalize_email(address)
        if email is not None:
            out.append((email, display if display is not None else text))
    return out


def read(page: Page, budget: Budget, notes: Notes) -> list[Link]:
    """The page's mailto: links with valid addresses, in document order."""
    anchors = []
    for element in page.elements:
        if element.name == "a":
            href = attribute(element, "href")
            if href and href[:7].lower() == "mailto:":
                if len(anchors) == MAX_MAILTO:
                    notes.add(
                        f"The markup has more than {MAX_MAILTO} mailto links;"
                        f" only the first {MAX_MAILTO} were read."
                    )
                    break
                anchors.append(element)
    links = []
    for index, anchor in enumerate(anchors):
        raws = []
        for sub, (email, name) in enumerate(_pairs(anchor, budget)):
            values = {"email": (email, "href")}
            if name:
                values["name"] = (name, "link text")
            label = f"mailto link #{index + 1}{line_of(anchor)}"
            raws.append(Raw("mailto", (2, index, sub), label, values, anchor))
        if raws:
            links.append(Link(anchor, raws))
    return links
