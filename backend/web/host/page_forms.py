"""The host's booking-page form ⇄ the API's payload (scheduling.pages validates both the
same way): what was typed, kept as typed, and each problem placed by its field."""

from __future__ import annotations

import re

from ...scheduling import UNLIMITED_USES

QUESTION_TYPES = (
    ("text", "Short text"), ("textarea", "Long text"), ("choice", "One choice"),
    ("choices", "Several choices"), ("phone", "Phone number"), ("checkbox", "Checkbox"),
)  # fmt: skip
PLACES = (
    ("", "Not set"), ("video", "Video call"), ("phone_host", "Phone: I call the invitee"),
    ("phone_invitee", "Phone: the invitee calls me"), ("in_person", "In person"),
    ("custom", "Other"),
)  # fmt: skip
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
        "availability_rule_id": "", "active": True, "questions": [],
        **{name: "" for name, _ in NUMBERS},
    }  # fmt: skip


def form_from_page(page) -> dict:
    place = page.place or {}
    kind = place.get("type", "")
    if kind == "phone":
        kind = "phone_" + place.get("calls", "host")
    return {
        "summary": page.summary,
        "slug": page.slug or "",
        "durations": ", ".join(str(d) for d in page.durations or [page.duration_minutes]),
        "place_type": kind,
        "place_detail": place.get("address") or place.get("text") or place.get("number") or "",
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
        "availability_rule_id": form.get("availability_rule_id", ""),
        "active": form.get("active") == "on",
        "questions": rows,
        **{name: form.get(name, "") for name, _ in NUMBERS},
    }


def payload_from_form(typed: dict) -> dict:
    durations = [_number(d) for d in re.split(r"[\s,]+", typed["durations"]) if d]
    place_type, detail = typed["place_type"], typed["place_detail"]
    place = None
    if place_type == "video":
        place = {"type": "video"}
    elif place_type == "phone_host":
        place = {"type": "phone", "calls": "host"}
    elif place_type == "phone_invitee":
        place = {"type": "phone", "calls": "invitee", "number": detail}
    elif place_type in ("in_person", "custom"):
        place = {"type": place_type, ("address" if place_type == "in_person" else "text"): detail}
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
    "questions.2.label" → "q2"; the first message of each."""
    names = {field: name for name, field in NUMBERS}
    placed: dict[str, str] = {}
    for field, items in errors.items():
        name = names.get(field, field)
        if field.startswith("place"):
            name = "place"
        elif field.startswith("questions."):
            name = "q" + field.split(".")[1]
        placed.setdefault(name, items[0]["description"])
    return placed
