"""The host's booking-page form ⇄ the API's payload (scheduling.pages validates both the
same way): what was typed, kept as typed, and each problem placed by its field."""

from __future__ import annotations

import re

from ...scheduling import UNLIMITED_USES
from ...scheduling.link_form import GUESTS_HELP
from ...scheduling.places import FORM_CHOICES, form_choice, from_form
from ...scheduling.questions import DEFAULT_MAX_GUESTS

QUESTION_TYPES = (
    ("text", "Short text"), ("textarea", "Long text"), ("choice", "One choice"),
    ("choices", "Several choices"), ("phone", "Phone number"), ("checkbox", "Checkbox"),
)  # fmt: skip
PLACES = (("", "Not set"), *FORM_CHOICES)
# form field → payload field, whole minutes or days ("" is "not set")
NUMBERS = (
    ("buffer_before", "buffer_before_minutes"), ("buffer_after", "buffer_after_minutes"),
    ("notice", "minimum_notice_minutes"), ("horizon", "max_days_ahead"),
    ("daily_limit", "daily_limit"), ("max_uses", "max_uses"), ("max_guests", "max_guests"),
)  # fmt: skip
MAX_QUESTION_ROWS = 20
SPARE_ROWS = 2


def _number(text: str):
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 10 else text  # the domain says why


def empty_form() -> dict:
    return {
        "summary": "", "slug": "", "durations": "30", "place_type": "", "place_detail": "",
        "place_number": "", "availability_rule_id": "", "active": True, "questions": [],
        **{name: "" for name, _ in NUMBERS}, "max_guests": str(DEFAULT_MAX_GUESTS),
    }  # fmt: skip


def form_from_page(page) -> dict:
    kind, detail, number = form_choice(page.place)
    return {
        "summary": page.summary,
        "slug": page.slug or "",
        "durations": ", ".join(str(d) for d in page.durations or [page.duration_minutes]),
        "place_type": kind,
        "place_detail": detail,
        "place_number": number,
        "availability_rule_id": page.availability_rule_id or "",
        "active": page.status != "disabled",
        "questions": [
            {
                "label": q["label"],
                "type": q["type"],
                "required": q.get("required", False),
                "choices": "\n".join(q.get("choices") or []),
            }
            for q in page.questions or []
        ],  # fmt: skip
        **{
            name: "" if value is None or value >= UNLIMITED_USES else str(value)
            for name, field in NUMBERS
            for value in [getattr(page, field)]
        },
        **({"max_guests": str(DEFAULT_MAX_GUESTS)} if page.max_guests is None else {}),
    }


def form_from_request(form) -> dict:
    """What was typed, as typed (question rows with nothing in them dropped)."""
    rows = []
    for i in range(MAX_QUESTION_ROWS + SPARE_ROWS):
        label = form.get(f"q{i}-label")
        if label is None:
            continue
        row = {
            "label": label,
            "type": form.get(f"q{i}-type", "text"),
            "required": form.get(f"q{i}-required") == "on",
            "choices": form.get(f"q{i}-choices", ""),
        }
        if row["label"].strip() or row["choices"].strip():
            rows.append(row)
    return {
        "summary": form.get("summary", ""),
        "slug": form.get("slug", "").strip(),
        "durations": form.get("durations", ""),
        "place_type": form.get("place_type", ""),
        "place_detail": form.get("place_detail", ""),
        "place_number": form.get("place_number", ""),
        "availability_rule_id": form.get("availability_rule_id", ""),
        "active": form.get("active") == "on",
        "questions": rows,
        **{name: form.get(name, "") for name, _ in NUMBERS},
    }


def payload_from_form(typed: dict) -> dict:
    durations = [_number(d) for d in re.split(r"[\s,]+", typed["durations"]) if d]
    place = from_form(typed["place_type"], typed["place_detail"], typed["place_number"])
    questions = []
    for row in typed["questions"]:
        question = {"label": row["label"], "type": row["type"], "required": row["required"]}
        if row["type"] in ("choice", "choices"):
            question["choices"] = [c.strip() for c in row["choices"].splitlines() if c.strip()]
        questions.append(question)
    payload = {
        "summary": typed["summary"], "slug": typed["slug"], "durations": durations,
        "place": place, "questions": questions or None,
        "availability_rule_id": typed["availability_rule_id"] or None,
        "active": typed["active"],
    }  # fmt: skip
    for name, field in NUMBERS:
        payload[field] = _number(typed[name])
    return payload


def field_errors(errors: dict) -> dict:
    """API field names → the form's: "max_days_ahead" → "horizon", "place.address" → "place",
    "place.number" → "place_number", "questions.2.label" → "q2"; the first message of each
    (the guests' in the New link form's words, which name no API field)."""
    names = {field: name for name, field in NUMBERS}
    placed: dict[str, str] = {}
    for field, items in errors.items():
        name = names.get(field, field)
        if field == "place.number":
            name = "place_number"
        elif field.startswith("place"):
            name = "place"
        elif field.startswith("questions."):
            name = "q" + field.split(".")[1]
        text = GUESTS_HELP if field == "max_guests" else items[0]["description"]
        placed.setdefault(name, text)
    return placed
