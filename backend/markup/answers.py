"""Pre-filled booking answers: ``data-answers-<key>`` on a native element (docs/markup.md §1).

A key names a booking question by its id (``q2``) or by its label written as a slug
(``company`` for "Company", ``linkedin-profile`` for "LinkedIn profile"); which question it
matches is decided when the booking page is shown (``scheduling.prefill``), because the page
does not know the link's questions. Here: the keys' syntax and the values' limits, the same
for markup and for ``contact.answers`` given to the API.
"""

from __future__ import annotations

import re

from ..core.text import clean_text

PREFIX = "data-answers-"
KEY = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
MAX_ANSWERS = 20
MAX_VALUE = 2000


def is_key(key: object) -> bool:
    return isinstance(key, str) and KEY.fullmatch(key) is not None


def clean_value(value: object) -> str | None:
    """The value as text (docs/markup.md §4), or None when empty or over MAX_VALUE: a cut
    answer would say something else."""
    if not isinstance(value, str):
        return None
    text = clean_text(value[: MAX_VALUE * 4])
    return text if text and len(text) <= MAX_VALUE else None


def from_attributes(attrs: dict) -> tuple[dict[str, str], list[str]]:
    """``{key: raw value}`` of an element's ``data-answers-*`` attributes (document order;
    HTML has lower-cased the names already), and problems for the warnings: keys of the
    wrong shape and answers beyond MAX_ANSWERS."""
    found: dict[str, str] = {}
    problems: list[str] = []
    for name, value in attrs.items():
        if not name.startswith(PREFIX):
            continue
        key = name[len(PREFIX) :]
        if not is_key(key):
            problems.append(
                f"{name[:80]} is not an answer key (letters, digits and inner hyphens,"
                " at most 64); ignored."
            )
        elif len(found) == MAX_ANSWERS:
            problems.append(f"more than {MAX_ANSWERS} data-answers-* attributes; the rest ignored.")
            break
        else:
            found[key] = value if isinstance(value, str) else " ".join(value)
    return found, problems
