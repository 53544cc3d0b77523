"""Small helpers on the parsed tree that the format readers share (Flask-free).

Values are always text (attribute values, or text content without script/style), never
markup; all walks are iterative or XPath in C, and bounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from lxml import etree

from .values import mailto_addresses

_NO_TEXT = frozenset({"script", "style", "template"})
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.I)
TEXT_SCAN_LIMIT = 10_000  # characters of text read from one element
MAX_PROPERTIES = 2000  # property elements examined per page and format
_VALUE_CHILDREN = etree.XPath("*[contains(concat(' ', normalize-space(@class), ' '), ' value ')]")


def owners_of(attributes: str, limit: int) -> etree.XPath:
    """XPath: the elements carrying the attributes ``attributes`` selects, in document order,
    at most ``limit + 1`` (so callers can tell that there were more).

    ``descendant::*/@x/..`` runs 3x faster in libxml2 than ``descendant::*[@x]``, but its
    parent step de-duplicates in quadratic time (40 000 matches take a second), and so does
    a union: the position cap comes before both.
    """
    return etree.XPath(f"({attributes})[position() <= {limit + 1}]/..")


def classes(element: etree._Element) -> list[str]:
    value = element.get("class")
    return value.split() if value else []


def text_of(element: etree._Element, limit: int = TEXT_SCAN_LIMIT) -> str:
    """The element's text content without script/style text: never markup.

    Stops after about ``limit`` characters, so a property on a huge element costs little.
    """
    parts: list[str] = []
    size = 0
    skipping = 0  # depth inside elements whose text is not content
    for event, node in etree.iterwalk(element, events=("start", "end")):
        if event == "start":
            if node.tag in _NO_TEXT:
                skipping += 1
            elif not skipping and node.text:
                parts.append(node.text[: limit + 1 - size])
                size += len(parts[-1])
        else:
            if node.tag in _NO_TEXT:
                skipping -= 1
            if node is not element and not skipping and node.tail:
                parts.append(node.tail[: limit + 1 - size])
                size += len(parts[-1])
        if size > limit:
            break
    return "".join(parts)


def index_properties(
    roots: list[etree._Element],
    query: etree.XPath,
    relevant: Callable[[etree._Element], bool],
    owner_of: Callable[[etree._Element], etree._Element | None],
    limit: int,
) -> tuple[dict[etree._Element, list[etree._Element]], bool]:
    """Property elements grouped by the item/card that owns them, and whether ``limit`` cut.

    Only the subtrees of outermost roots are searched, once each: nested cards would
    otherwise rescan the same elements once per nesting level.
    """
    root_set = set(roots)
    by_owner: dict[etree._Element, list[etree._Element]] = {}
    seen = 0
    for root in roots:
        if any(ancestor in root_set for ancestor in root.iterancestors()):
            continue
        for element in query(root):
            if not relevant(element):
                continue
            seen += 1
            if seen > limit:
                return by_owner, True
            owner = owner_of(element)
            if owner is not None:
                by_owner.setdefault(owner, []).append(element)
    return by_owner, False


def is_hidden(element: etree._Element) -> bool:
    """Hidden from sighted users by the element or an ancestor (what the markup checker flags)."""
    node: etree._Element | None = element
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("head", "template", "script", "meta", "noscript"):
            return True
        if node.get("hidden") is not None:
            return True
        if (node.get("aria-hidden") or "").strip().lower() == "true":
            return True
        if tag == "input" and (node.get("type") or "").strip().lower() == "hidden":
            return True
        style = node.get("style")
        if style and _DISPLAY_NONE.search(style):
            return True
        node = node.getparent()
    return False


def line_of(element: etree._Element) -> str:
    line = element.sourceline
    return f" (line {line})" if line else ""


def _value_class(element: etree._Element) -> str | None:
    # The microformats value-class pattern: <span class="tel"><span class="type">work</span>
    # <span class="value">+1 555</span></span> means "+1 555". Children only: bounded work.
    parts = _VALUE_CHILDREN(element)
    return "".join(text_of(part) for part in parts) if parts else None


def plain_value(element: etree._Element) -> str:
    """A text property: value-class, alt/title/value/content attributes, else text content."""
    tag = element.tag
    if tag == "meta":
        return element.get("content") or ""
    if tag in ("img", "area") and element.get("alt") is not None:
        return element.get("alt") or ""
    if tag == "abbr" and element.get("title") is not None:
        return element.get("title") or ""
    if tag in ("data", "input") and element.get("value") is not None:
        return element.get("value") or ""
    found = _value_class(element)
    return found if found is not None else text_of(element)


def _href(element: etree._Element, scheme: str) -> str | None:
    href = element.get("href") if element.tag in ("a", "area", "link") else None
    if href and href.strip()[: len(scheme)].lower() == scheme:
        return href.strip()
    return None


def email_value(element: etree._Element) -> str:
    """An e-mail property: the first address of a mailto: link, else the text."""
    href = _href(element, "mailto:")
    if href is None:
        return plain_value(element)
    addresses = mailto_addresses(href)
    return addresses[0][0] if addresses else ""


def phone_value(element: etree._Element) -> str:
    """A phone property: the number of a tel: link, else the text."""
    href = _href(element, "tel:")
    return unquote(href[4:], errors="replace") if href else plain_value(element)
