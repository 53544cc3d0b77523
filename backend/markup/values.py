"""Cleaning and validating the values a page's markup carries (Flask-free).

Every value read from a page is untrusted text. It is cleaned here (NFC, no control, zero-width
or bidi-override characters, whitespace collapsed), length-capped and validated; problems become
plain-text warnings for the markup checker. Nothing is HTML-escaped: callers escape at the sink.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import unquote

from ..core.text import clean_text, normalize_email
from ..core.validation import known_tzids
from . import answers

FIELDS = (
    "name", "email", "organization", "title", "phone",
    "tzid", "reference", "summary", "duration_minutes", "source",
)  # fmt: skip

# Order of trust: index 0 wins. Also the complete list of `source` values.
SOURCES = ("schedlink", "json-ld", "microdata", "h-card", "hcard", "mailto")
RANK = {source: rank for rank, source in enumerate(SOURCES)}

TEXT_LIMITS = {"name": 200, "organization": 200, "title": 200, "summary": 300}
REFERENCE_LIMIT = 200
PHONE_LIMIT = 64
MAX_WARNINGS = 100
MIN_DURATION, MAX_DURATION = 1, 1440

_DURATION = re.compile(r"[0-9]{1,5}")
_ANGLE_ADDR = re.compile(r"(.*)<([^<>]*)>\s*")


def show(value: str, limit: int = 60) -> str:
    """A bad value quoted for a warning: shortened, with unprintable characters escaped."""
    short = value[:limit] + ("…" if len(value) > limit else "")
    out = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in short)
    return '"' + out.replace('"', '\\"') + '"'


def mailto_addresses(href: str) -> list[tuple[str, str | None]]:
    """Addresses of a ``mailto:`` URL as (address, display name) pairs, undecoded names None.

    The query (``?subject=…&cc=…``) is dropped; comma-separated addresses are split before
    percent-decoding, so an encoded comma stays inside one (then invalid) address.
    """
    href = href.strip()
    if href[:7].lower() != "mailto:":
        return []
    out = []
    for part in href[7:].split("?", 1)[0].split(","):
        text = unquote(part, errors="replace").strip()
        match = _ANGLE_ADDR.fullmatch(text)
        if match:
            name = match.group(1).strip().strip('"').strip()
            out.append((match.group(2).strip(), name or None))
        elif text:
            out.append((text, None))
    return out


@cache
def _zones() -> dict[str, str]:
    # The same zones as every other check (no "localtime", "Factory", …), once per process.
    return {zone.lower(): zone for zone in known_tzids()}


def canonical_tzid(value: str) -> str | None:
    """The IANA zone name for ``value`` (case-insensitive), or None if unknown."""
    return _zones().get(value.lower())


class Notes:
    """Warnings for one parse: plain text, de-duplicated, capped."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._seen: set[str] = set()
        self.dropped = 0

    def add(self, text: str) -> None:
        if text in self._seen:
            return
        if len(self.items) >= MAX_WARNINGS:
            self.dropped += 1
            return
        self._seen.add(text)
        self.items.append(text)

    def result(self) -> list[str]:
        if self.dropped:
            return [*self.items, f"{self.dropped} more warnings were left out."]
        return list(self.items)


@dataclass
class Raw:
    """One contact as one format found it, before cleaning.

    ``values`` maps a Contact field to (value as found, the name the format gives that value),
    so warnings speak the host developer's vocabulary (``data-email``, ``jobTitle``, ``p-org``).
    ``values`` is None for an element that describes an organization: it yields no contact,
    but the mailto: links inside it are its own. ``element`` is the card, item or native
    element (None for JSON-LD, whose Persons hold no links).
    """

    source: str
    order: tuple  # document order: (tier, candidate index, index inside the candidate)
    label: str  # "h-card #2 (line 14)"
    values: dict[str, tuple[str, str]] | None
    element: object = None
    warnings: tuple[str, ...] = ()  # about the element itself, reported before its values


@dataclass
class Record:
    """One contact as one format described it, already cleaned and validated."""

    source: str
    order: tuple
    values: dict[str, object] = field(default_factory=dict)
    element: object = None


def build_records(raws: list[Raw], notes: Notes) -> tuple[list[Record], dict[int, Record | None]]:
    """Cleaned records, and {id(element): its record, or None for an organization} for the
    elements whose mailto: links belong to them (an element that yielded nothing is not one).
    """
    records: list[Record] = []
    roots: dict[int, Record | None] = {}
    for raw in sorted(raws, key=lambda r: r.order):
        for warning in raw.warnings:
            notes.add(warning)
        if raw.values is None:
            roots.setdefault(id(raw.element), None)
            continue
        record = build_record(raw, notes)
        if record is None:
            notes.add(f"{raw.label} has neither a valid e-mail address nor a name; ignored.")
            continue
        records.append(record)
        if raw.element is not None:
            roots.setdefault(id(raw.element), record)
    return records, roots


def build_record(raw: Raw, notes: Notes) -> Record | None:
    """Clean and validate raw values into a Record; None if it has neither e-mail nor name."""
    label = raw.label
    values: dict[str, object] = {}
    for key, (value, what) in (raw.values or {}).items():
        if key == "answers":
            _answers(value, label, notes, values)
            continue
        text = clean_text(value) if isinstance(value, str) else ""
        if not text:
            continue
        if key == "email":
            email = normalize_email(text)
            if email is None:
                notes.add(f"{label}: {what} {show(text)} is not a valid e-mail address; ignored.")
            values[key] = email
        elif key == "tzid":
            zone = canonical_tzid(text)
            if zone is None:
                notes.add(f"{label}: {what} {show(text)} is not a known IANA time zone; ignored.")
            values[key] = zone
        elif key == "duration_minutes":
            minutes = int(text) if _DURATION.fullmatch(text) else 0
            if not MIN_DURATION <= minutes <= MAX_DURATION:
                notes.add(
                    f"{label}: {what} {show(text)} must be a whole number of minutes "
                    f"from {MIN_DURATION} to {MAX_DURATION}; ignored."
                )
                minutes = None
            values[key] = minutes
        elif key in ("reference", "phone"):
            # Cut short, these would silently name another record or number: drop instead.
            limit = REFERENCE_LIMIT if key == "reference" else PHONE_LIMIT
            if len(text) > limit:
                notes.add(f"{label}: {what} is longer than {limit} characters; ignored.")
            elif key == "phone" and not any(ch.isdigit() for ch in text):
                notes.add(f"{label}: {what} {show(text)} has no digits; ignored.")
            else:
                values[key] = text
        else:
            limit = TEXT_LIMITS[key]
            if len(text) > limit:
                notes.add(f"{label}: {what} is longer than {limit} characters; shortened.")
                text = text[:limit].rstrip()
            values[key] = text
    if not values.get("email") and not values.get("name"):
        return None
    return Record(raw.source, raw.order, values, raw.element)


def _answers(found: dict[str, str], label: str, notes: Notes, values: dict) -> None:
    kept = {}
    for key, value in found.items():
        text = answers.clean_value(value)
        if text is None:
            if clean_text(value):
                notes.add(
                    f"{label}: data-answers-{key} is longer than {answers.MAX_VALUE} characters;"
                    " ignored."
                )
            continue
        kept[key] = text
    if kept:
        values["answers"] = kept
