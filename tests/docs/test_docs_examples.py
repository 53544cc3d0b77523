"""Every HTTP example in the docs runs, as written, against a real `schedlink serve` (issue 26,
item 8): today's dates, the caller's own sub, ids returned by the examples before it. The
convention (tags, placeholders, the shape rule) is docs/examples.md; the reader is
doc_examples.py. One server, one organization (the caller and two colleagues) and one
outsider, for the whole module; PostgreSQL adds nothing here that the API tests do not cover."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from doc_examples import (
    DOCS,
    Block,
    DocError,
    calls_of,
    dig,
    examples,
    expected_of,
    fenced_blocks,
    shape_problems,
    substitute,
    tagged_blocks,
)
from live_server import LiveServer, page_fields

TIMEOUT = 30
# The server the examples assume, as docs/examples.md says: the redirect origins the examples
# name, and a Zoom client, so a conferencing authorization can be asked for (never completed).
SERVER_ENV = {
    "SCHEDLINK_REDIRECT_ORIGINS": "https://ats.example.com,https://app.example.com",
    "SCHEDLINK_ZOOM_CLIENT_ID": "zoom-client-docs",
    "SCHEDLINK_ZOOM_CLIENT_SECRET": "zoom-secret-docs",
}


def _accounts(database_url: str) -> dict:
    """Grace (the caller, admin of an organization), Alan and Ben (colleagues in it) and Eve
    (elsewhere): made the way `schedlink create-user --organization` makes them."""
    from sqlalchemy.orm import sessionmaker

    from backend import db
    from backend.accounts import create_account, create_api_key, organization_named

    engine = db.make_engine(database_url)
    password = "a long enough password"
    try:
        with db.write(sessionmaker(engine, expire_on_commit=False)) as s:
            org = organization_named(s, "Analytical Engines")
            grace = create_account(
                s, "grace@example.com", "Grace Hopper", "Europe/London", password,
                organization_id=org.id,
            )  # fmt: skip
            grace.organization_role = "admin"
            alan = create_account(
                s, "alan@example.com", "Alan Turing", "Europe/London", password,
                organization_id=org.id,
            )  # fmt: skip
            alan.organization_role = "member"
            ben = create_account(
                s, "ben@example.com", "Ben Bitdiddle", "Europe/London", password,
                organization_id=org.id,
            )  # fmt: skip
            ben.organization_role = "member"
            eve = create_account(s, "eve@example.org", "Eve", "Europe/Paris", password)
            _key, api_key = create_api_key(s, grace, "docs examples")
            return {
                "api_key": api_key,
                "sub": grace.sub,
                "colleague_sub": alan.sub,
                "other_colleague_sub": ben.sub,
                "foreign_sub": eve.sub,
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("docs-live")
    server = LiveServer(
        f"sqlite:///{workdir / 'schedlink.db'}", workdir, workers=1, extra_env=SERVER_ENV
    )
    server.start()
    values = _accounts(server.database_url)
    auth = {"Authorization": f"Bearer {values['api_key']}"}
    calendars = requests.get(f"{server.url}/v1/calendars", headers=auth, timeout=TIMEOUT)
    values["calendar_id"] = calendars.json()["calendars"][0]["calendar_id"]
    yield server, values
    server.stop()


def _book(server: LiveServer, values: dict, name: str) -> None:
    """What the example shows happened first: Ada booked the link on its page (the first
    time offered)."""
    auth = {"Authorization": f"Bearer {values['api_key']}"}
    link = requests.get(
        f"{server.url}/v1/scheduling_links/{values[name]}", headers=auth, timeout=TIMEOUT
    ).json()["scheduling_link"]
    fields = page_fields(requests.get(link["url"], timeout=TIMEOUT).text)
    starts = fields.pop("starts")
    assert starts, f"the link saved as {name} offers no time to book"
    form = fields | {"start": starts[0], "name": "Ada Lovelace", "email": "ada@example.com"}
    booked = requests.post(link["url"], data=form, allow_redirects=False, timeout=TIMEOUT)
    assert booked.status_code == 303, booked.text[:500]


def _run(server, values, request: Block, response: Block | None, today) -> list[str]:
    """Problems with one example: its calls must answer as its response block says (or 2xx
    when it shows none), in the documented shape."""
    if "book" in request.attrs:
        _book(server, values, request.attrs["book"])
    calls = calls_of(request, server.url, values["api_key"], values, today)
    problems = []
    for n, call in enumerate(calls, 1):
        answer = requests.request(
            call.method, call.url, headers=call.headers,
            data=call.body.encode() if call.body is not None else None,
            allow_redirects=False, timeout=TIMEOUT,
        )  # fmt: skip
        where = f"{request.where} ({call.method} {call.url.removeprefix(server.url)})"
        last = n == len(calls)
        if response is None or not last:
            if not 200 <= answer.status_code < 300:
                problems.append(f"{where}: {answer.status_code} {answer.text[:300]}")
            continue
        expected = expected_of(response, values, today)
        if answer.status_code != expected.status:
            problems.append(
                f"{where}: answered {answer.status_code}, {response.where} documents "
                f"{expected.status}: {answer.text[:300]}"
            )
            continue
        problems += [
            f"{response.where}: no {h} header" for h in expected.headers if h not in answer.headers
        ]
        if expected.is_json:
            real = dig(answer.json(), response.attrs.get("at", ""))
            problems += [f"{response.where}: {p}" for p in shape_problems(expected.body, real)]
        elif expected.body and not answer.text.startswith(expected.body):
            problems.append(f"{response.where}: the answer begins {answer.text[:80]!r}")
    if "save" in request.attrs and not problems:
        name, _, path = request.attrs["save"].partition(":")
        values[name] = dig(answer.json(), path)
    return problems


@pytest.mark.parametrize("doc", list(DOCS))
def test_every_example_block_is_tagged(doc):
    """A block in scope without a tag, or a skip without its reason, fails here — so a new
    example cannot go unrun by accident."""
    blocks = tagged_blocks(doc)
    examples(doc)  # pairing: every response follows a request
    for block in blocks:
        if block.kind == "skip":
            assert len(block.reason.split()) >= 3, f"{block.where}: say why it is not run"


@pytest.mark.parametrize("doc", list(DOCS))
def test_examples_run_against_a_live_server(live, doc):
    server, values = live
    today = datetime.now(UTC).date()
    problems = []
    for request, response in examples(doc):
        try:
            problems += _run(server, values, request, response, today)
        except (DocError, KeyError, ValueError) as exc:  # one example's mistake, not the rest's
            problems.append(f"{request.where}: {type(exc).__name__}: {exc}")
    assert not problems, "\n".join(problems)
    errors = server.errors_since(0)
    assert not errors, errors


# --- the reader itself can say no ----------------------------------------------------------


def test_shape_rule_finds_what_is_missing():
    documented = {"link": {"id": "sl_x", "uses": 0, "hosts": [{"sub": "acc_x"}]}}
    assert shape_problems(documented, {"link": {"id": "sl_y", "uses": 3, "hosts": [{}], "x": 1}})
    assert shape_problems(documented, {"link": {"id": "sl_y", "uses": "3", "hosts": []}})
    assert shape_problems({"open": True}, {"open": 1})
    ok = {"link": {"id": "sl_y", "uses": 2, "hosts": [{"sub": "acc_y", "name": "G"}], "new": 1}}
    assert shape_problems(documented, ok) == []


def test_untagged_block_and_unknown_placeholder_are_refused(tmp_path, monkeypatch):
    import doc_examples

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "api.md").write_text(
        "```json\n{}\n```\n\n```sh skip: too short\n```\n\n```bash\ncurl x\n```\n"
    )
    monkeypatch.setattr(doc_examples, "ROOT", tmp_path)
    assert [b.lang for b in fenced_blocks("docs/api.md")] == ["json", "sh", "sh"]
    with pytest.raises(DocError, match="without a tag") as refused:
        tagged_blocks("docs/api.md")
    assert "docs/api.md:1:" in str(refused.value) and "docs/api.md:8:" in str(refused.value)
    with pytest.raises(DocError, match="unknown placeholder"):
        substitute("{{someone_elses_sub}}", {"sub": "acc_x"}, datetime.now(UTC).date())
