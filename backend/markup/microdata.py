"""schema.org Person as microdata (docs/markup.md §2).

A property belongs to its nearest enclosing ``itemscope``: a nested Person is its own contact,
and the name of a nested Organization is not the person's name. Text properties read
``content`` of ``<meta>`` and otherwise the text, never an ``href``: ``<a itemprop="name"
href="/u/1">Ada</a>`` means Ada to its author, whatever the spec says.
"""

from __future__ import annotations

from bs4 import Tag

from .soup import Page
from .tree import (
    MAX_PROPERTIES,
    MAX_ROOT_PROPERTIES,
    Budget,
    Scopes,
    attribute,
    email_value,
    line_of,
    phone_value,
    plain_value,
)
from .values import Notes, Raw


def is_item(element: Tag) -> bool:
    return "itemscope" in element.attrs


def item_kind(element: Tag) -> str | None:
    """'person', 'organization' (a card that is not a person) or None for any other item."""
    for itemtype in (attribute(element, "itemtype") or "").split():
        last = itemtype.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        if last == "Person":
            return "person"
        if last in ("Organization", "Corporation", "LocalBusiness"):
            return "organization"
    return None


def _properties(page: Page, notes: Notes) -> dict[int, list[Tag]]:
    """{id(item): its own itemprop elements, in document order} for Persons and
    Organizations."""
    scopes = Scopes(is_item)
    owned: dict[int, list[Tag]] = {}
    kinds: dict[int, str | None] = {}
    seen = 0
    for element in page.elements:
        if "itemprop" not in element.attrs:
            continue
        item = scopes.owner(element)
        if item is None:
            continue
        key = id(item)
        if key not in kinds:
            kinds[key] = item_kind(item)
        if kinds[key] is None:
            continue  # a Product's or an Event's properties: nothing read here
        mine = owned.setdefault(key, [])
        if len(mine) == MAX_ROOT_PROPERTIES:
            notes.add(
                f"A microdata item{line_of(item)} has more than {MAX_ROOT_PROPERTIES}"
                " properties; only the first were read."
            )
            continue
        seen += 1
        if seen > MAX_PROPERTIES:
            notes.add(
                f"The markup has more than {MAX_PROPERTIES} microdata properties;"
                " only the first were read."
            )
            break
        mine.append(element)
    return owned


def _named(item: Tag, owned: dict[int, list[Tag]]) -> dict[str, Tag]:
    found: dict[str, Tag] = {}
    for element in owned.get(id(item), ()):
        for name in (attribute(element, "itemprop") or "").split():
            # Absolute property names (https://schema.org/email) count by their last part.
            found.setdefault(name.rstrip("/").rsplit("/", 1)[-1], element)
    return found


def _organization(element: Tag, owned: dict, budget: Budget) -> str:
    if is_item(element):
        nested = _named(element, owned)
        for key in ("name", "legalName"):
            if key in nested:
                return plain_value(nested[key], budget)
    return plain_value(element, budget)


def _values(item: Tag, owned: dict, budget: Budget) -> dict[str, tuple[str, str]]:
    props = _named(item, owned)
    raw: dict[str, tuple[str, str]] = {}
    if "name" in props:
        raw["name"] = (plain_value(props["name"], budget), "itemprop=name")
    else:
        parts = [plain_value(props[k], budget) for k in ("givenName", "familyName") if k in props]
        if parts:
            raw["name"] = (" ".join(parts), "itemprop=givenName/familyName")
    if "email" in props:
        raw["email"] = (email_value(props["email"], budget), "itemprop=email")
    if "telephone" in props:
        raw["phone"] = (phone_value(props["telephone"], budget), "itemprop=telephone")
    if "jobTitle" in props:
        raw["title"] = (plain_value(props["jobTitle"], budget), "itemprop=jobTitle")
    for key in ("worksFor", "affiliation"):
        if key in props:
            raw["organization"] = (_organization(props[key], owned, budget), f"itemprop={key}")
            break
    return raw


def read(page: Page, end: int, budget: Budget, notes: Notes) -> list[Raw]:
    """Raw records of the Person items among ``page.elements[:end]`` (Organizations too, as
    elements whose mailto: links are their own)."""
    items = [(i, e) for i, e in enumerate(page.elements[:end]) if "itemscope" in e.attrs]
    kinds = [(i, item, kind) for i, item in items if (kind := item_kind(item))]
    if not kinds:
        return []
    owned = _properties(page, notes)
    raws = []
    persons = 0
    for index, item, kind in kinds:
        if kind == "organization":
            raws.append(Raw("microdata", (1, index, 0), "", None, item))
            continue
        persons += 1
        label = f"microdata Person #{persons}{line_of(item)}"
        raws.append(Raw("microdata", (1, index, 0), label, _values(item, owned, budget), item))
    return raws
