"""Booking questions: the host's list on a link (checked at creation, ids fixed then) and the
invitee's answers (checked at booking). Also the guest addresses an invitee may add.
Flask-free; every value is untrusted text, cleaned here and escaped wherever shown."""

from __future__ import annotations

from collections.abc import Mapping

import phonenumbers

from ..core.text import clean_text, is_valid_email, normalize_email
from ..core.validation import FieldErrors

TYPES = ("text", "textarea", "choice", "choices", "phone", "checkbox")
MAX_QUESTIONS = 20
MAX_LABEL = 200
MAX_CHOICES = 30
MAX_CHOICE = 200
# Per-type limit of an answer's length, in characters.
ANSWER_LIMITS = {"text": 500, "textarea": 2000, "phone": 40}
DEFAULT_MAX_GUESTS = 3
MAX_GUESTS = 20


def _clean(value: object, limit: int) -> str:
    if not isinstance(value, str):
        return ""
    return clean_text(value[: limit * 4])


def parse_questions(raw: object, errors: FieldErrors, field: str = "questions") -> list | None:
    """The host's questions, as stored: `[{id, label, type, required, choices?}]`. Ids are
    q1, q2, … in the order given, fixed from now on (answers refer to them)."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        errors.add(field, "invalid", "questions must be a list.")
        return None
    if len(raw) > MAX_QUESTIONS:
        errors.add(field, "invalid", f"Ask at most {MAX_QUESTIONS} questions.")
        return None
    questions = []
    for i, item in enumerate(raw, start=1):
        where = f"{field}.{i - 1}"
        if not isinstance(item, dict):
            errors.add(where, "invalid", "Each question must be an object.")
            continue
        label = _clean(item.get("label"), MAX_LABEL)
        if not label:
            errors.add(f"{where}.label", "required", "Each question needs a label.")
        elif len(label) > MAX_LABEL:
            errors.add(f"{where}.label", "invalid", f"Keep labels to {MAX_LABEL} characters.")
        kind = item.get("type", "text")
        if kind not in TYPES:
            errors.add(f"{where}.type", "invalid", "type must be one of " + ", ".join(TYPES) + ".")
            continue
        required = item.get("required", False)
        if not isinstance(required, bool):
            errors.add(f"{where}.required", "invalid", "required must be true or false.")
            required = False
        question = {"id": f"q{i}", "label": label, "type": kind, "required": required}
        if kind in ("choice", "choices"):
            choices = item.get("choices")
            if not isinstance(choices, list) or not choices:
                errors.add(f"{where}.choices", "required", "A choice question needs choices.")
                continue
            if len(choices) > MAX_CHOICES:
                errors.add(f"{where}.choices", "invalid", f"Give at most {MAX_CHOICES} choices.")
                continue
            cleaned = [_clean(c, MAX_CHOICE) for c in choices]
            if not all(cleaned) or any(len(c) > MAX_CHOICE for c in cleaned):
                errors.add(
                    f"{where}.choices", "invalid",
                    f"Each choice must be text of 1 to {MAX_CHOICE} characters.",
                )  # fmt: skip
                continue
            if len(set(cleaned)) != len(cleaned):
                errors.add(f"{where}.choices", "invalid", "Each choice may be given once.")
                continue
            question["choices"] = cleaned
        elif "choices" in item and item["choices"] is not None:
            errors.add(f"{where}.choices", "invalid", "Only choice questions take choices.")
        questions.append(question)
    return questions or None


def phone_e164(value: str) -> str | None:
    """A phone number in E.164 (+442079460958), or None when it is not a valid number.
    Numbers are read with their country code (+44 …, or 0044 …)."""
    value = value.strip()
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


PHONE_HELP = "Please enter a phone number with its country code, like +44 20 7946 0958."


def read_answers(
    questions: list | None, values: Mapping[str, object], errors: FieldErrors
) -> list | None:
    """The invitee's answers: `values` maps a question id to its text (a list of texts for
    "choices"; "on" or true for a ticked checkbox). Problems go under `answer-<id>`."""
    answers = []
    for q in questions or ():
        field = f"answer-{q['id']}"
        raw = values.get(q["id"])
        kind = q["type"]
        value: object
        if kind == "choices":
            items = raw if isinstance(raw, list) else ([raw] if isinstance(raw, str) else [])
            value = [c for c in q["choices"] if c in items]
            if len(value) != len({i for i in items if i}):
                errors.add(field, "invalid", "Please pick from the choices given.")
                continue
            if not value:
                value = None
        elif kind == "checkbox":
            value = True if raw in (True, "on", "yes", "true") else None
        else:
            text = raw if isinstance(raw, str) else ""
            value = (
                "\n".join(_clean(line, 2000) for line in text.splitlines()).strip()
                if kind == "textarea"
                else _clean(text, 2000)
            ) or None
            if value is not None and kind == "choice" and value not in q["choices"]:
                errors.add(field, "invalid", "Please pick one of the choices given.")
                continue
            limit = ANSWER_LIMITS.get(kind)
            if value is not None and limit and len(value) > limit:
                errors.add(field, "invalid", f"Please shorten this to {limit} characters.")
                continue
            if value is not None and kind == "phone":
                value = phone_e164(value)
                if value is None:
                    errors.add(field, "invalid", PHONE_HELP)
                    continue
        if value is None:
            if q["required"]:
                errors.add(field, "required", "Please answer this question.")
            continue
        answers.append({"id": q["id"], "label": q["label"], "type": kind, "value": value})
    return answers or None


def answer_text(answer: dict) -> str:
    """An answer as one line of text (e-mails, .ics, the dashboard)."""
    value = answer["value"]
    if value is True:
        return "Yes"
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def public_answers(answers: list | None) -> list[dict]:
    """Answers as the API and webhooks give them: `[{"label", "value"}]`."""
    return [{"label": a["label"], "value": a["value"]} for a in answers or ()]


def parse_max_guests(raw: object, errors: FieldErrors) -> int | None:
    if raw is None:
        return None
    if type(raw) is not int or not 0 <= raw <= MAX_GUESTS:
        errors.add("max_guests", "invalid", f"max_guests must be a whole number 0 to {MAX_GUESTS}.")
        return None
    return raw


def allowed_guests(link) -> int:
    return DEFAULT_MAX_GUESTS if link.max_guests is None else link.max_guests


def read_guests(raw: object, allowed: int, invitee_email: str | None, errors: FieldErrors):
    """Guest addresses, one per line or comma-separated (a list from JSON); each a valid
    address, at most `allowed`, never the invitee's own. Problems go under `guests`."""
    if isinstance(raw, list):
        items = [i for i in raw if isinstance(i, str)]
        if len(items) != len(raw):
            errors.add("guests", "invalid", "Guests must be e-mail addresses.")
            return None
    elif isinstance(raw, str):
        items = raw.replace(",", "\n").replace(";", "\n").split()
    else:
        return None
    items = [i.strip() for i in items if i.strip()]
    if not items:
        return None
    if len(items) > allowed:
        errors.add(
            "guests", "invalid",
            f"You may add up to {allowed} guest{'s' if allowed != 1 else ''}."
            if allowed else "This booking takes no guests.",
        )  # fmt: skip
        return None
    guests = []
    for item in items:
        email = normalize_email(item) if len(item) <= 254 else None
        if not email or not is_valid_email(email):
            errors.add(
                "guests", "invalid",
                f"“{clean_text(item[:100])}” is not an e-mail address, like ada@example.com.",
            )  # fmt: skip
            return None
        if email != invitee_email and email not in guests:
            guests.append(email)
    return guests or None
