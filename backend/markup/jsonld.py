"""schema.org Person in JSON-LD ``<script type="application/ld+json">`` blocks.

Persons are found anywhere in the JSON (``author``, ``employee``, ``member``, ``attendee``,
``@graph``, arrays, ...), walked iteratively with caps on size, depth and node count. Nodes
sharing an ``@id`` are one person. Script text is not HTML-decoded: the HTML parser leaves
script content raw and so does this reader (JSON escapes are decoded once, by ``json``).
"""

from __future__ import annotations

import json

from bs4 import NavigableString, Tag

from .soup import Page
from .tree import attribute, line_of
from .values import Notes, Raw

MAX_SCRIPT_CHARS = 500_000
MAX_TOTAL_CHARS = 1_000_000
MAX_DEPTH = 32
MAX_NODES = 10_000
MAX_PERSONS = 200  # per block: the page's contact list is capped at 50 anyway
MAX_PAGE_PERSONS = 500  # in all blocks

_SCHEMA_PREFIXES = ("", "schema:", "http://schema.org/", "https://schema.org/")


class _Chars:
    """JSON-LD characters read so far on one page."""

    def __init__(self) -> None:
        self.used = 0
        self.exhausted = False


def _unwrap(text: str) -> str:
    # Old CMS habits: <!-- ... --> and CDATA wrappers around the JSON. Plain string tests,
    # not a regex anchored at the end (that would be quadratic on long whitespace runs).
    text = text.strip()
    text = text.removeprefix("<!--").removesuffix("-->").strip()
    for opener in ("/*<![CDATA[*/", "//<![CDATA[", "<![CDATA["):
        if text.startswith(opener):
            text = text[len(opener) :]
            break
    for closer in ("/*]]>*/", "//]]>", "]]>"):
        if text.endswith(closer):
            text = text[: -len(closer)]
            break
    return text


def _get(node: dict, key: str) -> object:
    for prefix in _SCHEMA_PREFIXES:
        value = node.get(prefix + key)
        if value is not None:
            return value
    return None


def _is_person(node: dict) -> bool:
    types = node.get("@type")
    for value in types if isinstance(types, list) else [types]:
        if isinstance(value, str) and (value == "Person" or value.endswith(("/Person", ":Person"))):
            return True
    return False


def _text(value: object) -> str | None:
    """A JSON-LD value as text: strings, numbers, {"@value": ...}, {"name": ...}, lists."""
    for _ in range(4):  # a few levels of wrapping, never unbounded
        if isinstance(value, list):
            value = next((v for v in value if v not in (None, "", [], {})), None)
        elif isinstance(value, dict):
            value = value.get("@value", _get(value, "name"))
        else:
            break
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _contact_point(node: dict, key: str) -> str | None:
    points = _get(node, "contactPoint")
    for point in points if isinstance(points, list) else [points]:
        if isinstance(point, dict) and (found := _text(_get(point, key))):
            return found
    return None


def _raw(node: dict) -> dict[str, tuple[str, str]]:
    raw: dict[str, tuple[str, str]] = {}
    name = _text(_get(node, "name"))
    if not name:
        parts = [_text(_get(node, key)) for key in ("givenName", "familyName")]
        name = " ".join(p for p in parts if p) or None
    if name:
        raw["name"] = (name, "name")
    email = _text(_get(node, "email")) or _contact_point(node, "email")
    if email:
        raw["email"] = (email, "email")
    phone = _text(_get(node, "telephone")) or _contact_point(node, "telephone")
    if phone:
        raw["phone"] = (phone, "telephone")
    title = _text(_get(node, "jobTitle"))
    if title:
        raw["title"] = (title, "jobTitle")
    for key in ("worksFor", "affiliation"):
        org = _text(_get(node, key))
        if org:
            raw["organization"] = (org, key)
            break
    return raw


def _persons(data: object) -> tuple[list[dict], bool]:
    """Person nodes in document order, and whether a cap cut the walk short."""
    found: list[dict] = []
    stack: list[tuple[object, int]] = [(data, 0)]
    nodes = 0
    truncated = False
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES or len(found) >= MAX_PERSONS:
            return found, True
        if depth > MAX_DEPTH:
            truncated = True
            continue
        if isinstance(value, dict):
            if _is_person(value):
                found.append(value)
            children = [v for v in value.values() if isinstance(v, dict | list)]
        elif isinstance(value, list):
            children = [v for v in value if isinstance(v, dict | list)]
        else:
            continue
        stack.extend((child, depth + 1) for child in reversed(children))
    return found, truncated


def _merge_by_id(persons: list[dict]) -> list[dict]:
    merged: list[dict] = []
    by_id: dict[str, dict] = {}
    for node in persons:
        node_id = node.get("@id")
        if isinstance(node_id, str) and node_id in by_id:
            target = by_id[node_id]
            for key, value in node.items():
                target.setdefault(key, value)
            continue
        copy = dict(node)
        if isinstance(node_id, str):
            by_id[node_id] = copy
        merged.append(copy)
    return merged


def read_jsonld(
    text: str, budget: _Chars, notes: Notes, where: str
) -> list[dict[str, tuple[str, str]]]:
    """Raw values of the Persons in one script block, in document order."""
    if "Person" not in text:  # cheap skip of the Product/Article/... blocks every page has
        return []
    if len(text) > MAX_SCRIPT_CHARS:
        notes.add(f"JSON-LD block{where} is over {MAX_SCRIPT_CHARS} characters; ignored.")
        return []
    if budget.used + len(text) > MAX_TOTAL_CHARS:
        if not budget.exhausted:
            notes.add(f"JSON-LD blocks over {MAX_TOTAL_CHARS} characters in total; rest ignored.")
            budget.exhausted = True
        return []
    budget.used += len(text)
    try:
        data = json.loads(_unwrap(text))
    except (ValueError, RecursionError):
        # ValueError includes over-long integer literals; RecursionError: absurd nesting.
        notes.add(f"JSON-LD block{where} is not valid JSON; ignored.")
        return []
    persons, truncated = _persons(data)
    if truncated:
        notes.add(f"JSON-LD block{where} is nested too deeply or too large; partly read.")
    return [_raw(node) for node in _merge_by_id(persons)]


def is_block(element: Tag) -> bool:
    """A ``<script>`` whose type contains ``ld+json`` in any letter case."""
    return element.name == "script" and "ld+json" in (attribute(element, "type") or "").lower()


def read(page: Page, end: int, notes: Notes) -> list[Raw]:
    """Raw records of the Persons in the JSON-LD blocks among ``page.elements[:end]``."""
    chars = _Chars()
    raws: list[Raw] = []
    for index, element in enumerate(page.elements[:end]):
        if element.name != "script" or not is_block(element):
            continue
        where = line_of(element)
        # The script's text as the parser left it: raw, never HTML-decoded.
        text = "".join(s for s in element.contents if isinstance(s, NavigableString))
        for sub, values in enumerate(read_jsonld(text, chars, notes, where)):
            if len(raws) == MAX_PAGE_PERSONS:
                notes.add(
                    f"The JSON-LD blocks hold more than {MAX_PAGE_PERSONS} Persons;"
                    " only the first were read."
                )
                return raws
            label = f"JSON-LD Person #{len(raws) + 1}{where}"
            raws.append(Raw("json-ld", (1, index, sub), label, values))
    return raws
