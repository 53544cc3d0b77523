"""The message catalogue read for grammar: every flash message the web pages can show (read
from the source, each branch of a conditional and each placeholder filled with a name, "1" and
"2") and every e-mail the worker sends (each template rendered for every kind, recipient and
variant). Singular "they" takes a plural verb, a count of one takes a singular noun, "a"/"an"
follow the sound, no doubled words, no space before punctuation."""

from __future__ import annotations

import ast
import html
import itertools
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import render_template

from backend.outbox import account_mail, mailer

WEB = Path(__file__).resolve().parents[2] / "backend" / "web"
SAMPLES = ("Ada Lovelace", "1", "2")
# Calls whose text is made elsewhere and checked there (validation messages).
OPAQUE_CALLS = {"_messages"}
COUNTED = (
    "minute|hour|day|week|code|booking|link|key|session|calendar|event|range|time|use|channel"
    "|delivery|passkey|meeting|message|address|invitee|contact|result|attempt|second"
)

RULES = [
    (r"\bthey (is|was|has|does|isn't|wasn't|hasn't|doesn't)\b", "singular 'they': plural verb"),
    (r"\b(tell|ask|told|asked|with|for|to) they\b", "'they' as an object: 'them'"),
    (r"\bthem (is|are|was|were|has|have)\b", "'them' as a subject: 'they'"),
    (r"(?<![\d.:])\b1 (?!(?:is|was|has)\b)[a-z]+(?<!s)s\b", "one of a plural noun"),
    (rf"\b(0|[2-9]|\d\d+) ({COUNTED})\b(?!-)", "a plural count of a singular noun"),
    (r"\ba (?![Ee]u)[aeiAEI][\w-]", "'a' before a vowel: 'an'"),
    (r"\ban [bcdfgjklmnpqrstvwxyz]", "'an' before a consonant: 'a'"),
    (r"\b(\w+)\s+\1\b", "a doubled word"),
    (r"\w[ \t]+[.,;!?](\s|$)", "a space before punctuation"),
]  # fmt: skip


def problems(text: str) -> list[str]:
    return [
        f"{why}: {m.group(0)!r} in {text!r}"
        for pattern, why in RULES
        for m in re.finditer(pattern, text, flags=re.IGNORECASE if "they" in pattern else 0)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Cancelled the meeting with Ada Lovelace; they is told by e-mail.",
        "We told they about it.",
        "1 codes left.",
        "2 minute before.",
        "Add a e-mail address.",
        "an link",
        "the the link",
        "Saved .",
    ],
)
def test_the_checker_finds_each_kind_of_mistake(text):
    assert problems(text)


@pytest.mark.parametrize(
    "text",
    [
        "Cancelled the meeting with Ada Lovelace; they are told by e-mail.",
        "1 code left; 2 codes left; 10 minutes; a one-time link; an hour; a user; 12:30 pm.",
        "Version 1.5 is out; 09:00–17:00 Mon–Fri; 2-factor; 1 is enough.",
    ],
)
def test_the_checker_passes_good_text(text):
    assert problems(text) == []


# --- flash messages --------------------------------------------------------------------------


def _variants(node: ast.expr, env: dict | None = None) -> list[str] | None:
    """Every text the expression can produce, placeholders filled with SAMPLES (or what the
    function assigned to them); None for a call in OPAQUE_CALLS."""
    env = env or {}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _variants(node.body, env), _variants(node.orelse, env)
        return None if body is None or orelse is None else body + orelse
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _variants(node.left, env), _variants(node.right, env)
        return None if left is None or right is None else [a + b for a in left for b in right]
    if isinstance(node, ast.JoinedStr):
        parts = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                parts.append(_placeholder(part.value, env))
            else:
                parts.append(_variants(part, env))
        return ["".join(p) for p in itertools.product(*parts)]
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in OPAQUE_CALLS:
        return None
    if isinstance(node, ast.Attribute) and node.attr == "message":
        return None  # a domain exception's own text (organizations/errors.py), not in the view
    raise AssertionError(
        f"line {node.lineno}: a flash message must be written out in the flash() call "
        f"(literal text, f-string or conditional), not {ast.dump(node)[:80]}"
    )


def _placeholder(node: ast.expr, env: dict) -> list[str]:
    """What a {placeholder} can show: each branch of a conditional, the text a local variable
    was given, else the samples."""
    if isinstance(node, ast.IfExp):
        return _placeholder(node.body, env) + _placeholder(node.orelse, env)
    if isinstance(node, ast.Name) and node.id in env:
        rest = {name: value for name, value in env.items() if name != node.id}  # no x = f"{x}" loop
        return _placeholder(env[node.id], rest)
    if isinstance(node, ast.Constant | ast.JoinedStr):
        return _variants(node, env)
    return list(SAMPLES)


def flash_catalogue() -> dict[str, list[str]]:
    """{"file:line": [every text]} for each flash() call under backend/web."""
    found = {}
    # The modules of web/ and its audiences (team/ has its own checks).
    paths = [p for folder in ("", "host", "invitee", "public") for p in (WEB / folder).glob("*.py")]
    for path in sorted(paths):
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, ast.FunctionDef):
                continue
            env = {  # the function's `name = <text>` assignments
                target.id: node.value
                for node in ast.walk(function)
                if isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant | ast.JoinedStr | ast.IfExp)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "flash":
                    texts = _variants(node.args[0], env)
                    if texts is not None:
                        found[f"{path.name}:{node.lineno}"] = texts
    return found


def test_flash_messages_are_grammatical():
    catalogue = flash_catalogue()
    assert len(catalogue) >= 30, "the catalogue reads every flash() call"
    bad = [
        f"{where}: {p}" for where, texts in catalogue.items() for t in texts for p in problems(t)
    ]
    assert not bad, "\n".join(bad)
    assert any("they are told by e-mail" in t for texts in catalogue.values() for t in texts)


# --- e-mails ----------------------------------------------------------------------------------


def _text_of(rendered: str, is_html: bool) -> str:
    if is_html:
        rendered = re.sub(r"</?(a|strong|em|b|i|code|span)\b[^>]*>", "", rendered)
        rendered = html.unescape(re.sub(r"<[^>]+>", " ", rendered))
    return re.sub(r"\s+", " ", rendered)


def _mails():
    """(name, template, context) for every e-mail and variant the worker sends."""
    host = SimpleNamespace(name="Grace Hopper", email="grace@example.com")
    changes = (  # who moved it and why; a round-robin move's hosts
        {}, {"by": "host", "mover": host, "reason": "Ill today"},
        {"by": "invitee", "answered_proposal": True, "reason": "Clash"},
        {"to": host}, {"reassigned_from": host},
    )  # fmt: skip
    for kind, role, by, join, change in itertools.product(
        mailer.SUBJECTS,
        mailer.RECIPIENTS,
        ("invitee", "host"),
        (None, {"url": "https://meet.example/x", "description": "Jitsi"}, {"pending": True}),
        changes,
    ):
        booking = SimpleNamespace(
            invitee_name="Ada Lovelace", invitee_email="ada@example.com", cancelled_by=by,
            cancel_reason="Ill today", invitee_notes="See you.",
        )  # fmt: skip
        context = {
            "booking": booking, "link": SimpleNamespace(summary="Interview"), "host": host,
            "role": role, "kind": kind, "when": "Monday 7 December, 09:00–09:30 (London)",
            "manage": {"reschedule": "https://x/r", "cancel": "https://x/c"}
            if role == "invitee" else None, "join": join, "change": change,
        }  # fmt: skip
        for ext in ("txt", "html"):
            yield f"{kind} to {role}, by {by}", f"email/booking_update.{ext}", context
    for message in (None, "I'm travelling."):
        context = {
            "booking": SimpleNamespace(invitee_name="Ada Lovelace"), "proposer": "Grace Hopper",
            "message": message, "title": "Interview with Grace Hopper",
            "when": "Monday 7 December, 09:00–09:30 (London)",
            "manage": {"reschedule": "https://x/r", "cancel": "https://x/c"},
        }  # fmt: skip
        for ext in ("txt", "html"):
            yield "proposal", f"email/proposal.{ext}", context
    account = SimpleNamespace(name="Grace Hopper", email="grace@example.com")
    for kind, variant in itertools.product(
        account_mail.SUBJECTS, ({"reset": True, "factor": "passkey"}, {"factor": "totp"})
    ):
        payload = {"new_email": "new@example.com", "old_email": "old@example.com",
                   "name": "Laptop", **variant}  # fmt: skip
        context = {"kind": kind, "account": account, "payload": payload, "link": "https://x/l",
                   "base_url": "https://x", "security_url": "https://x/s"}  # fmt: skip
        for ext in ("txt", "html"):
            yield kind, f"email/account_notice.{ext}", context
    for reason in (None, "Access was withdrawn."):
        profile = SimpleNamespace(
            profile_name="Work", provider_name="Zoom", disconnected_reason=reason
        )
        yield "calendar disconnected", "email/calendar_disconnected.txt", {
            "host": host, "profile": profile, "relink_url": "https://x/r",
            "services_url": "https://x/s",
        }  # fmt: skip
        for ext in ("txt", "html"):
            yield "conferencing disconnected", f"email/conferencing_disconnected.{ext}", {
                "host": host, "profile": profile, "relink": "https://x/r", "page": "https://x/p",
            }  # fmt: skip
    channel = SimpleNamespace(
        public_id="chn_1", callback_url="https://x/hook",
        disabled_reason="It failed for 5 days in a row.",
    )  # fmt: skip
    yield (
        "channel disabled",
        "email/channel_disabled.txt",
        {"account": account, "channel": channel, "dashboard": "https://x/webhooks"},
    )


def test_emails_are_grammatical(app):
    bad, seen = [], 0
    with app.test_request_context():
        for name, template, context in _mails():
            text = _text_of(render_template(template, **context), template.endswith(".html"))
            seen += 1
            bad += [f"{name} ({template}): {p}" for p in problems(text)]
    subjects = [s for pair in mailer.SUBJECTS.values() for s in pair]
    bad += [f"subject: {p}" for s in subjects + list(account_mail.SUBJECTS.values())
            for p in problems(s)]  # fmt: skip
    assert seen > 100
    assert not bad, "\n".join(bad)
