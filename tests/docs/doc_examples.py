"""Reads the HTTP examples of the docs, as docs/examples.md defines them: fenced blocks tagged in
their info string (`request`, `response`, `skip: <reason>`), placeholders in `{{…}}`, and the
shape rule a real answer must meet. Nothing here is a test; test_docs_examples.py runs them.

Exact, not heuristic: every block in scope must carry a tag, a request is a list of `curl`
commands (or a raw HTTP request, or a JSON body with its method and path), and a response
belongs to the tagged block just before it, which must be a request."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Which fences each document's convention covers (docs/examples.md, "Which blocks"): webhooks.md's
# JSON blocks are notification bodies, checked against real deliveries by
# tests/notifications/test_webhook_examples.py; README's shell blocks are commands to type.
ALL = {"http", "json", "jsonc", "sh", ""}  # "": a fence without a language
SHELLS = {"bash": "sh", "shell": "sh", "console": "sh"}
REQUESTS_ONLY = {"http", "sh:curl"}
DOCS = {
    "docs/api.md": ALL,
    "docs/availability.md": ALL,
    "docs/elements.md": ALL,
    "docs/webhooks.md": REQUESTS_ONLY,
    "README.md": REQUESTS_ONLY,
}
KINDS = {"request", "response"}
ATTRIBUTES = {"save", "book", "at", "name"}
PLACEHOLDER = re.compile(r"\{\{([a-z_]+)(?:\+(\d+))?\}\}")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class DocError(AssertionError):
    """A block that does not follow the convention."""


@dataclass
class Block:
    doc: str
    line: int
    lang: str
    info: list[str]
    text: str
    kind: str = ""  # request, response, skip, or "" (out of scope)
    reason: str = ""
    words: list[str] = field(default_factory=list)  # `METHOD PATH` of a JSON-body request
    attrs: dict = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def fenced_blocks(doc: str) -> list[Block]:
    """Every fenced code block (``` fences, indented or not) of a document, in order."""
    lines = (ROOT / doc).read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        opening = re.match(r"^(\s*)```(.*)$", lines[i])
        if not opening:
            i += 1
            continue
        indent, info = opening[1], opening[2].split()
        body, j = [], i + 1
        while j < len(lines) and lines[j].strip() != "```":
            body.append(lines[j][len(indent) :] if lines[j].startswith(indent) else lines[j])
            j += 1
        lang = SHELLS.get(info[0], info[0]) if info else ""
        blocks.append(Block(doc, i + 1, lang, info[1:], "\n".join(body)))
        i = j + 1
    return blocks


def _in_scope(block: Block, langs: set[str]) -> bool:
    if block.lang in langs or (block.lang in ALL and block.info):  # tagged: always read
        return True
    return "sh:curl" in langs and block.lang == "sh" and re.search(r"\bcurl\b", block.text)


def tagged_blocks(doc: str) -> list[Block]:
    """The document's blocks in scope, each with its tag read; a block in scope without a tag,
    or with one this convention does not define, is a DocError."""
    found, wrong = [], []
    for block in fenced_blocks(doc):
        if not _in_scope(block, DOCS[doc]):
            continue
        try:
            found.append(_read_tag(block))
        except DocError as exc:
            wrong.append(str(exc))
    if wrong:  # every one at once, so a merge that adds several is fixed in one go
        raise DocError("\n".join(wrong))
    return found


def _read_tag(block: Block) -> Block:
    """One block's tag read into its fields (docs/examples.md, "Tags")."""
    words = list(block.info)
    if "skip:" in words:
        block.kind = "skip"
        block.reason = " ".join(words[words.index("skip:") + 1 :])
        words = words[: words.index("skip:")]
        if not block.reason:
            raise DocError(f"{block.where}: `skip:` needs its reason")
    for word in words:
        key, eq, value = word.partition("=")
        if eq and key in ATTRIBUTES:
            block.attrs[key] = value
        elif word in KINDS and not block.kind:
            block.kind = word
        elif block.kind == "request" and block.lang == "json":
            block.words.append(word)
        else:
            raise DocError(f"{block.where}: unknown tag {word!r} in {block.info}")
    if not block.kind:
        raise DocError(
            f"{block.where}: a ```{block.lang} block without a tag (request, response or "
            "skip: <reason>; see docs/examples.md)"
        )
    return block


def examples(doc: str) -> list[tuple[Block, Block | None]]:
    """(request, its response or None) pairs, in document order; skipped blocks left out."""
    pairs: list[tuple[Block, Block | None]] = []
    previous: Block | None = None
    for block in tagged_blocks(doc):
        if block.kind == "request":
            pairs.append((block, None))
        elif block.kind == "response":
            if previous is None or previous.kind != "request":
                raise DocError(f"{block.where}: a response must follow its request block")
            pairs[-1] = (previous, block)
        previous = block
    return pairs


# --- placeholders ------------------------------------------------------------------------------


def next_weekday(today: date, name: str) -> date:
    """The first such day after today (never today: its hours may be over)."""
    ahead = (DAYS.index(name) - today.weekday() - 1) % 7 + 1
    return today + timedelta(days=ahead)


def substitute(text: str, values: dict, today: date) -> str:
    def one(match: re.Match) -> str:
        name, plus = match[1], int(match[2] or 0)
        if name in DAYS:
            return (next_weekday(today, name) + timedelta(days=plus)).isoformat()
        if plus or name not in values:
            raise DocError(f"unknown placeholder {match[0]} (docs/examples.md lists them)")
        return str(values[name])

    return PLACEHOLDER.sub(one, text)


# --- requests ----------------------------------------------------------------------------------


@dataclass
class Call:
    method: str
    url: str
    headers: dict
    body: str | None


def calls_of(block: Block, base_url: str, api_key: str, values: dict, today: date) -> list[Call]:
    text = substitute(block.text, values, today)
    if block.lang == "sh":
        text = text.replace("${SCHEDLINK}", "$SCHEDLINK").replace("${KEY}", "$KEY")
        text = text.replace("$SCHEDLINK", base_url).replace("$KEY", api_key)
        return [_curl(block, argv) for argv in _commands(block, text)]
    if block.lang == "http":
        head, _, body = text.partition("\n\n")
        request_line, *header_lines = head.splitlines()
        method, path = request_line.split()[:2]
        headers = dict(_header(block, h) for h in header_lines)
        headers.pop("Host", None)
        return [Call(method, base_url + path, headers, body.strip() or None)]
    if block.lang == "json" and len(block.words) == 2:
        method, path = block.words
        headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        return [Call(method, base_url + path, headers, text)]
    raise DocError(f"{block.where}: a request is sh (curl), http, or json METHOD PATH")


def _commands(block: Block, text: str) -> list[list[str]]:
    """Shell commands, one a line, where `\\` continues a line and a quoted string may span
    lines (as the JSON bodies do)."""
    found, pending = [], ""
    for line in text.split("\n"):
        pending += line + "\n"
        if pending.rstrip().endswith("\\"):
            pending = pending.rstrip()[:-1] + " "
            continue
        try:
            argv = shlex.split(pending)
        except ValueError:  # an open quote: the string goes on
            continue
        if argv:
            found.append(argv)
        pending = ""
    if pending.strip():
        raise DocError(f"{block.where}: an unfinished shell command: {pending[:80]!r}")
    return found


def _header(block: Block, line: str) -> tuple[str, str]:
    name, colon, value = line.partition(":")
    if not colon or not re.fullmatch(r"[A-Za-z0-9-]+", name):
        raise DocError(f"{block.where}: not a header line: {line!r}")
    return name, value.strip()


def _curl(block: Block, argv: list[str]) -> Call:
    """The curl options the docs use; any other is an error, so nothing is silently dropped."""
    if not argv or argv[0] != "curl":
        raise DocError(f"{block.where}: a sh request holds curl commands only: {argv[:3]}")
    method, headers, body, url = None, {}, None, None
    args = iter(argv[1:])
    for arg in args:
        if arg in ("-X", "--request"):
            method = next(args)
        elif arg in ("-H", "--header"):
            name, value = _header(block, next(args))
            headers[name] = value
        elif arg in ("-d", "--data", "--data-raw"):
            body = next(args)
        elif arg in ("-o", "--output"):
            next(args)
        elif arg in ("-i", "-s", "-si", "-is", "--include", "--silent"):
            pass
        elif arg.startswith("-"):
            raise DocError(f"{block.where}: curl option {arg} is not read by the docs test")
        elif url is None:
            url = arg
        else:
            raise DocError(f"{block.where}: two URLs in one curl command")
    if url is None:
        raise DocError(f"{block.where}: a curl command without a URL")
    return Call(method or ("POST" if body is not None else "GET"), url, headers, body)


# --- responses ---------------------------------------------------------------------------------


@dataclass
class Expected:
    status: int
    headers: list[str]
    body: object  # parsed JSON, a text prefix, or None
    is_json: bool


def expected_of(block: Block, values: dict, today: date) -> Expected:
    lines = substitute(block.text, values, today).strip().splitlines()
    status = 200
    if lines and (m := re.match(r"^(?:HTTP/[\d.]+ )?(\d{3})(?: [A-Za-z ]+)?$", lines[0])):
        status, lines = int(m[1]), lines[1:]
    headers = []
    while lines and re.match(r"^[A-Za-z0-9-]+: ", lines[0]):
        headers.append(lines.pop(0).split(":", 1)[0])
    text = "\n".join(lines).strip()
    if not text:
        return Expected(status, headers, None, False)
    if text.startswith('"'):  # a fragment: `"key": value` of the object at `at=`
        text = "{" + text + "}"
    if text[0] in "{[":
        try:
            return Expected(status, headers, json.loads(text), True)
        except json.JSONDecodeError as exc:
            raise DocError(f"{block.where}: the response is not JSON: {exc}") from None
    return Expected(status, headers, text.splitlines()[0].split("…")[0], False)


def dig(value, dotted: str):
    for part in filter(None, dotted.split(".")):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def shape_problems(documented, real, path: str = "$") -> list[str]:
    """Where `real` lacks the documented shape: every documented key present (extra keys are
    fine: answers may gain fields), the same JSON type, and a documented non-empty list not
    empty (an example showing items must produce some); list items compared in order."""
    if documented is None or real is None:
        return []  # null stands for "not set" on either side: a value, not the shape
    if isinstance(documented, dict):
        if not isinstance(real, dict):
            return [f"{path}: documented an object, got {type(real).__name__}"]
        problems = [f"{path}: no {k!r}" for k in documented if k not in real and k != "…"]
        for key in documented.keys() & real.keys():
            problems += shape_problems(documented[key], real[key], f"{path}.{key}")
        return problems
    if isinstance(documented, list):
        if not isinstance(real, list):
            return [f"{path}: documented a list, got {type(real).__name__}"]
        if documented and not real:
            return [f"{path}: documented items, got an empty list"]
        problems = []
        for i, (d, r) in enumerate(zip(documented, real, strict=False)):
            problems += shape_problems(d, r, f"{path}.{i}")
        return problems
    if _json_type(documented) != _json_type(real):
        return [f"{path}: documented {documented!r}, got {real!r}"]
    return []


def _json_type(value) -> str:
    """JSON's own types: 30 and 30.5 are both numbers, true is not one."""
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else type(value).__name__
