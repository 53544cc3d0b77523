"""Booking answers pre-filled from the host page's markup (``data-answers-*``, docs/markup.md
§1), matched to the link's questions when the booking page is shown. Flask-free.

A key matches a question by its id (``q2``) or by its label as a slug; the id wins. The
values only start the form: the invitee sees and may change them, and they are checked as
typed answers are when the booking is made.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_TICKED = frozenset({"yes", "true", "on", "1"})


def slug(label: str) -> str:
    """ "LinkedIn profile" -> "linkedin-profile"; "Société" -> "societe"."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return _NOT_ALNUM.sub("-", ascii_text.lower()).strip("-")[:64].strip("-")


def _choice(choices: list[str], text: str) -> str | None:
    wanted = text.strip().casefold()
    return next((c for c in choices if c.casefold() == wanted), None)


def _value(question: dict, text: str):
    kind = question["type"]
    if kind == "checkbox":
        return text.strip().lower() in _TICKED or None
    if kind == "choice":
        return _choice(question["choices"], text)
    if kind == "choices":
        whole = _choice(question["choices"], text)
        picked = [whole] if whole else [_choice(question["choices"], p) for p in text.split(",")]
        return [c for c in question["choices"] if c in picked] or None
    return text


def prefill(questions: list | None, answers: dict | None) -> dict:
    """``{question id: value}`` in the shape the booking form echoes typed answers: text, a
    list of choices for "choices", True for a ticked checkbox. Unmatched keys and values that
    fit no choice are left out."""
    if not questions or not answers:
        return {}
    out = {}
    for q in questions:
        text = answers.get(q["id"])
        if text is None:
            text = answers.get(slug(q["label"])) if slug(q["label"]) else None
        if not isinstance(text, str):
            continue
        value = _value(q, text)
        if value is not None:
            out[q["id"]] = value
    return out
