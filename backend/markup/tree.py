"""Reading the soup, bounded (Flask-free): the helpers every format shares.

Values are always text (attribute values, or text content without script/style/template
text), never markup. Nothing here recurses or rescans: text is gathered against a per-parse
Budget, and "the nearest enclosing X" is memoized (Scopes), so every walk over a page costs
time in proportion to the page however deeply it nests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from bs4 import NavigableString, Tag

from .values import Notes, mailto_addresses

_NO_TEXT = frozenset({"script", "style", "template"})
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.I)
TEXT_SCAN_LIMIT = 10_000  # characters of text read from one element
TEXT_NODE_LIMIT = 2_000  # nodes visited to read one element's text
TEXT_BUDGET = 50_000  # nodes visited to read text, per parse (a contact's card needs ~20)
MAX_PROPERTIES = 2000  # property elements read per page and format
MAX_ROOT_PROPERTIES = 200  # property elements read per card or item


class Budget:
    """The text-reading work left for one parse; running out is one warning, not minutes."""

    def __init__(self, notes: Notes, nodes: int = TEXT_BUDGET) -> None:
        self.notes = notes
        self.nodes = nodes
        self.warned = False

    def out(self) -> None:
        if not self.warned:
            self.warned = True
            self.notes.add(
                f"The markup's cards and items hold more text than is read ({TEXT_BUDGET} nodes"
                " in all); values after that point were not read."
            )


def attribute(element: Tag, name: str) -> str | None:
    value = element.attrs.get(name)
    if value is None or isinstance(value, str):
        return value
    return " ".join(value)  # a multi-valued attribute (class, rel) that BeautifulSoup split


def classes(element: Tag) -> list[str]:
    """The element's class names (BeautifulSoup splits them once, as it builds the soup)."""
    value = element.attrs.get("class")
    if not value:
        return []
    return value.split() if isinstance(value, str) else value


def line_of(element: Tag | None) -> str:
    line = element.sourceline if element is not None else None
    return f" (line {line})" if line else ""


def text_of(element: Tag, budget: Budget, limit: int = TEXT_SCAN_LIMIT) -> str:
    """The element's text content without script/style/template text: never markup.

    Stops after about ``limit`` characters or TEXT_NODE_LIMIT nodes, and when the parse's
    Budget runs out: a property on a huge element, or cards nested in each other's names,
    cost little.
    """
    parts: list[str] = []
    size = 0
    visits = 0
    stack = [iter(element.contents)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        visits += 1
        if visits > TEXT_NODE_LIMIT:
            break
        budget.nodes -= 1
        if budget.nodes < 0:
            budget.out()
            break
        if type(node) is Tag:
            if node.name not in _NO_TEXT:
                stack.append(iter(node.contents))
        elif isinstance(node, NavigableString):
            parts.append(node[: limit + 1 - size])
            size += len(parts[-1])
            if size > limit:
                break
    return "".join(parts)


class Scopes:
    """The nearest enclosing element of one kind (an item, a card), memoized per page.

    Each element is examined once however many properties ask about it, so a page nested
    100 000 deep costs the same as a flat one.
    """

    def __init__(self, is_scope: Callable[[Tag], bool]) -> None:
        self.is_scope = is_scope
        self.inner: dict[int, Tag | None] = {}  # id(element) -> nearest scope, itself included

    def owner(self, element: Tag) -> Tag | None:
        """The nearest scope strictly enclosing ``element``."""
        path = []
        node = element.parent
        found = None
        while node is not None:
            key = id(node)
            if key in self.inner:
                found = self.inner[key]
                break
            if self.is_scope(node):
                found = node
                self.inner[key] = node
                break
            path.append(key)
            node = node.parent
        for key in path:
            self.inner[key] = found
        return found


def _hides(node: Tag) -> bool:
    name = node.name
    if name in ("head", "template", "script", "meta", "noscript"):
        return True
    attrs = node.attrs
    if not attrs:
        return False
    if "hidden" in attrs:
        return True
    if (attribute(node, "aria-hidden") or "").strip().lower() == "true":
        return True
    if name == "input" and (attribute(node, "type") or "").strip().lower() == "hidden":
        return True
    style = attribute(node, "style")
    return bool(style and _DISPLAY_NONE.search(style))


class Hidden:
    """Hidden from sighted users by the element or an ancestor, memoized per page."""

    def __init__(self) -> None:
        self.memo: dict[int, bool] = {}

    def __call__(self, element: Tag) -> bool:
        path = []
        node: Tag | None = element
        found = False
        while node is not None:
            key = id(node)
            if key in self.memo:
                found = self.memo[key]
                break
            if _hides(node):
                found = True
                self.memo[key] = True
                break
            path.append(key)
            node = node.parent
        for key in path:
            self.memo[key] = found
        return found


def _value_class(element: Tag, budget: Budget) -> str | None:
    # The microformats value-class pattern: <span class="tel"><span class="type">work</span>
    # <span class="value">+1 555</span></span> means "+1 555". Children only: bounded work.
    parts = []
    for child in element.contents[:TEXT_NODE_LIMIT]:
        if type(child) is Tag and "value" in classes(child):
            parts.append(text_of(child, budget))
    return "".join(parts) if parts else None


def plain_value(element: Tag, budget: Budget) -> str:
    """A text property: value-class, alt/title/value/content attributes, else text content."""
    name = element.name
    if name == "meta":
        return attribute(element, "content") or ""
    if name in ("img", "area") and "alt" in element.attrs:
        return attribute(element, "alt") or ""
    if name == "abbr" and "title" in element.attrs:
        return attribute(element, "title") or ""
    if name in ("data", "input") and "value" in element.attrs:
        return attribute(element, "value") or ""
    found = _value_class(element, budget)
    return found if found is not None else text_of(element, budget)


def _href(element: Tag, scheme: str) -> str | None:
    href = attribute(element, "href") if element.name in ("a", "area", "link") else None
    if href and href.strip()[: len(scheme)].lower() == scheme:
        return href.strip()
    return None


def email_value(element: Tag, budget: Budget) -> str:
    """An e-mail property: the first address of a mailto: link, else the text."""
    href = _href(element, "mailto:")
    if href is None:
        return plain_value(element, budget)
    addresses = mailto_addresses(href)
    return addresses[0][0] if addresses else ""


def phone_value(element: Tag, budget: Budget) -> str:
    """A phone property: the number of a tel: link, else the text."""
    href = _href(element, "tel:")
    return unquote(href[4:], errors="replace") if href else plain_value(element, budget)
