"""The dashboard's "New link" form as plain data (Flask-free): the typed fields to the
`POST /v1/scheduling_links` payload that `create_link` checks, that check's field errors back
to the form's fields, and the "Copy as message" text the extension's popup writes too.

Only what a form alone must decide is decided here (a whole number typed as minutes, a
question row without a label); every rule of a link stays in `create_link`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timedelta

from ..core.text import clean_text
from .places import FORM_CHOICES, from_form
from .questions import DEFAULT_MAX_GUESTS, MAX_GUESTS

DEFAULTS = {
    "name": "", "email": "", "summary": "Meeting", "duration": "30", "expires_days": "14",
    "max_uses": "1", "max_guests": str(DEFAULT_MAX_GUESTS), "place_type": "video",
    "place_detail": "", "place_number": "", "hosts_mode": "me",
}  # fmt: skip
QUESTION_TYPES = {
    "text": "Short text", "textarea": "Long text", "choice": "One choice",
    "choices": "Several choices", "phone": "Phone number", "checkbox": "Checkbox",
}  # fmt: skip
PLACES = FORM_CHOICES
MAX_ROWS = 20
FIELD_LIMIT = 2000  # characters kept of any typed value (the checks' limits are lower)

# create_link's field names → the form's.
_FIELDS = {
    "contact": "email", "contact.email": "email", "contact.name": "name", "summary": "summary",
    "duration_minutes": "duration", "expires_at": "expires_days", "max_uses": "max_uses",
    "place.type": "place_type", "place.calls": "place_type", "place.number": "place_number",
    "place.address": "place_detail", "place.text": "place_detail", "questions": "questions",
}  # fmt: skip
GUESTS_HELP = f"A whole number from 0 to {MAX_GUESTS}."
# Words for people where the API's words name its fields.
_PLAIN = {
    "place.address": "Enter the address of the meeting.",
    "place.text": "Say where the meeting is.",
    "errors.unknown_sub": "Someone ticked is no longer in your organization; untick them.",
}
_QUESTION_FIELD = re.compile(r"questions\.(\d+)(?:\.(label|type|choices|required))?")


def _int(value: str, low: int, high: int) -> int | None:
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        return None
    number = int(value)
    return number if low <= number <= high else None


def rows_in(form: Mapping[str, str]) -> int:
    """How many question rows the form shows (its hidden `rows`, 1 to MAX_ROWS)."""
    return _int(form.get("rows", "1"), 1, MAX_ROWS) or 1


def _echo(value: object, limit: int = FIELD_LIMIT) -> str:
    """A typed value as typed, without control characters (a NUL in an HTML attribute is a
    parse error, and PostgreSQL refuses it)."""
    return "".join(c for c in str(value)[:limit] if unicodedata.category(c) != "Cc")


def typed(form, rows: int) -> dict:
    """Everything typed, as typed (cut at FIELD_LIMIT), for showing the form again."""
    values = {k: _echo(form.get(k, v)) for k, v in DEFAULTS.items()}
    values["hosts"] = [_echo(v, 100) for v in form.getlist("host")][:50]
    values["questions"] = [
        {
            "label": _echo(form.get(f"q-{i}-label", "")),
            "type": _echo(form.get(f"q-{i}-type", "text"), 20),
            "required": form.get(f"q-{i}-required") == "on",
            "choices": _echo(form.get(f"q-{i}-choices", "")),
        }
        for i in range(rows)
    ]
    return values


def build_payload(values: dict, me: str, now: datetime) -> tuple[dict, dict, list[int]]:
    """(payload for create_link, the form's own problems {field: message}, and for each
    question sent the form row it came from)."""
    problems: dict[str, str] = {}
    payload: dict = {"contact": {"email": values["email"].strip()}}
    if values["name"].strip():
        payload["contact"]["name"] = values["name"]
    if values["summary"].strip():
        payload["summary"] = values["summary"]
    duration = _int(values["duration"], 1, 1440)
    if duration is None:
        problems["duration"] = "Minutes, a whole number from 1 to 1440."
    else:
        payload["duration_minutes"] = duration
    days = _int(values["expires_days"], 1, 365)
    if days is None:
        problems["expires_days"] = "Days, a whole number from 1 to 365."
    else:
        payload["expires_at"] = (now + timedelta(days=days)).isoformat().replace("+00:00", "Z")
    uses = _int(values["max_uses"], 1, 1000)
    if uses is None:
        problems["max_uses"] = "A whole number from 1 to 1000."
    else:
        payload["max_uses"] = uses
    guests = _int(values["max_guests"], 0, MAX_GUESTS)
    if guests is None:
        problems["max_guests"] = GUESTS_HELP
    else:
        payload["max_guests"] = guests
    payload["place"] = _place(values, problems)
    if payload["place"] is None:
        del payload["place"]
    hosts = _hosts(values, me, problems)
    if hosts:
        payload["hosts"] = hosts
    questions, rows = [], []
    for i, q in enumerate(values["questions"]):
        filled = q["label"].strip() or q["choices"].strip() or q["required"]
        if not filled:
            continue
        item: dict = {"label": q["label"], "type": q["type"], "required": q["required"]}
        if q["type"] in ("choice", "choices"):
            item["choices"] = [c.strip() for c in q["choices"].split(",") if c.strip()]
        questions.append(item)
        rows.append(i)
    if questions:
        payload["questions"] = questions
    return payload, problems, rows


def _place(values: dict, problems: dict) -> dict | None:
    # An empty address or number goes to create_link, which says what is missing by its field.
    place = from_form(values["place_type"], values["place_detail"], values["place_number"])
    if place is None:
        problems["place_type"] = "Choose where the meeting is."
    return place


def _hosts(values: dict, me: str, problems: dict) -> dict | None:
    mode = values["hosts_mode"]
    if mode == "me":
        return None
    if mode not in ("all", "one"):
        problems["hosts_mode"] = "Choose who hosts."
        return None
    subs = list(dict.fromkeys(values["hosts"]))
    if not subs:
        problems["hosts_mode"] = "Tick at least one host."
        return None
    if subs == [me]:
        return None
    return {"members": [{"sub": s} for s in subs], "required": "all" if mode == "all" else 1}


def form_errors(errors: Mapping[str, list], rows: list[int]) -> dict[str, str]:
    """create_link's field errors, by the form's fields (a question's by its row)."""
    out: dict[str, str] = {}

    def add(field: str, items: list) -> None:
        text = " ".join(_PLAIN.get(e["key"], e["description"]) for e in items)
        out[field] = f"{out[field]} {text}" if field in out else text

    for field, items in errors.items():
        match = _QUESTION_FIELD.fullmatch(field)
        if match and int(match.group(1)) < len(rows):
            row = rows[int(match.group(1))]
            add(
                f"q-{row}-{'type' if match.group(2) == 'required' else match.group(2) or 'label'}",
                items,
            )
        elif field.startswith("hosts"):
            add("hosts_mode", items)
        elif field in _PLAIN:
            add(_FIELDS[field], [{"key": field, "description": ""}])
        else:
            add(_FIELDS.get(field, "form"), items)
    return out


_HONORIFICS = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "herr", "frau", "mme", "mlle"}
)


def greeting_name(full_name: str | None) -> str:
    """The first given name: "Lovelace, Ada" → "Ada", "Dr. Ada Lovelace" → "Ada"
    (as extension/lib/message-text.js)."""
    name = clean_text((full_name or "")[:800])[:200]
    if "," in name:
        last, rest = name.split(",", 1)
        name = rest.strip() or last.strip()
    words = name.split()
    while len(words) > 1 and words[0].rstrip(".").lower() in _HONORIFICS:
        words.pop(0)
    return words[0] if words else ""


def message(name: str | None, summary: str, duration: int, url: str) -> str:
    """ "Hi Ada, please pick a time for Interview (45 min) here: https://…", the popup's
    "Copy as message" text."""
    who = greeting_name(name)
    hello = f"Hi {who}," if who else "Hi,"
    return f"{hello} please pick a time for {summary} ({duration} min) here: {url}"


def limits_open(values: dict, field_errors: dict) -> bool:
    """Whether the closed "Link limits" must open: an error inside, or a changed value."""
    inside = ("expires_days", "max_uses", "max_guests")
    return any(f in field_errors or values[f] != DEFAULTS[f] for f in inside)
