"""docs/openapi.yaml: a valid OpenAPI 3.1 document that matches what /v1 really does.

The fuzz tests generate requests from the spec with schemathesis (positive: valid by the
spec; negative: invalid on purpose), send them to the app in-process over WSGI with a real API
key, and check every response: never a 5xx, JSON whenever there is a body (an SVG for
qr.svg), a documented status code, and a body that matches the documented schema. Bounded and
derandomized, so a CI run is repeatable.
"""

from __future__ import annotations

import copy
import zoneinfo
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import pytest
import schemathesis
import yaml
from helpers import create_link
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from openapi_spec_validator import OpenAPIV31SpecValidator
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend import db
from backend.accounts import create_account
from backend.availability import offered_slots
from backend.models import Account
from backend.organizations import create_organization, invite
from backend.scheduling import bookings
from backend.scheduling.bookings import Invitee, load_link

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
SPEC = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
OPERATIONS = [
    (method.upper(), path)
    for path, item in SPEC["paths"].items()
    for method in HTTP_METHODS
    if method in item
]
# Per operation. Derandomized, so each run tries the same cases: more examples mostly buy the
# same answers again. The queries that run the availability solver cost ~0.7 s a case.
MAX_EXAMPLES = 50
SOLVER_EXAMPLES = 20
SOLVER_PATHS = {"/v1/availability", "/v1/sequenced_availability", "/v1/real_time_sequencing",
                "/v1/real_time_scheduling"}  # fmt: skip


# --- the document itself -------------------------------------------------------------------


def test_spec_is_valid_openapi_3_1():
    assert SPEC["openapi"].startswith("3.1.")
    OpenAPIV31SpecValidator(SPEC).validate()


def test_schemathesis_loads_every_operation():
    schema = schemathesis.openapi.from_dict(copy.deepcopy(SPEC))
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert labels == {f"{method} {path}" for method, path in OPERATIONS}


def test_spec_lists_exactly_the_v1_routes(app):
    """Every /v1 route and method of the app is in the spec, and nothing else is."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/v1/"):
            path = rule.rule.replace("<", "{").replace(">", "}")
            routes |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(OPERATIONS)


def _concrete(path: str) -> str:
    return (
        path.replace("{link_id}", "sl_x")
        .replace("{calendar_id}", "cal_x")
        .replace("{channel_id}", "chn_x")
        .replace("{invitation_id}", "inv_x")
        .replace("{sub}", "acc_x")
    )


PUBLIC = [(m, p) for m, p in OPERATIONS if SPEC["paths"][p][m.lower()].get("security", None) == []]


def test_public_operations_are_only_the_onboarding_ones():
    assert sorted(PUBLIC) == [
        ("GET", "/v1/signup"),
        ("POST", "/v1/browser_connections"),
        ("POST", "/v1/browser_connections/token"),
    ]


@pytest.mark.parametrize(("method", "path"), [o for o in OPERATIONS if o not in PUBLIC])
def test_every_operation_wants_a_key(client, host, method, path):
    for headers in ({}, {"Authorization": "Bearer slk_not-a-key"}, {"Authorization": "Basic x"}):
        response = client.open(_concrete(path), method=method, json={}, headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/json"
        assert response.get_json()["error"] == "unauthorized"
        assert "401" in SPEC["paths"][path][method.lower()]["responses"]


def test_documented_error_envelopes_are_real(client, host):
    """The 404/405/413 shapes the spec describes in prose and components."""
    unknown = client.get("/v1/no-such-thing", headers=host.headers)
    assert (unknown.status_code, unknown.get_json()["error"]) == (404, "not_found")
    wrong = client.delete("/v1/userinfo", headers=host.headers)
    assert (wrong.status_code, wrong.get_json()["error"]) == (405, "method_not_allowed")
    big = client.post(
        "/v1/markup/parse",
        data=b'{"html": "' + b"x" * 2_500_001 + b'"}',
        headers={**host.headers, "Content-Type": "application/json"},
    )
    assert (big.status_code, big.get_json()["error"]) == (413, "payload_too_large")


# --- fuzzing --------------------------------------------------------------------------------


def _close_objects(node):
    """Request objects are open in the spec (unknown fields are ignored); generating junk
    extra keys only slows Hypothesis down, so the copy used to generate closes them."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_objects(value)
    elif isinstance(node, list):
        for value in node:
            _close_objects(value)
    return node


@cache
def _schema():
    # An explicit config: no schemathesis.toml is read, and no cases without the API key
    # (test_every_operation_wants_a_key covers those).
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    return schemathesis.openapi.from_dict(_close_objects(copy.deepcopy(SPEC)), config=config)


def json_unless_svg(ctx, response, case):
    """Every response with a body is JSON (qr.svg's 200 is an SVG image)."""
    mimetype = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if case.operation.path.endswith("/qr.svg") and response.status_code == 200:
        assert mimetype == "image/svg+xml", mimetype
        assert response.content.lstrip().startswith(b"<?xml")
    elif response.content:
        assert mimetype == "application/json", f"{response.status_code} with {mimetype}"
        response.json()


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    json_unless_svg,
]


def _seed(app, client, host) -> dict:
    """Real objects for path parameters and subs, so requests reach past the 404s and 422s:
    an open link, a booked link (booked through the domain, not the page), an event."""
    open_link = create_link(client, host)
    booked = create_link(client, host, summary="Booked")
    now = datetime.now(UTC)
    with app.app_context():
        sessions = app.extensions["schedlink.sessions"]
        with sessions() as s:
            start, _end = offered_slots(s, load_link(s, booked["id"]), now, 14)[0]
        invitee = Invitee("Ada Lovelace", "ada@example.com", "Europe/London")
        bookings.book(sessions, booked["id"], start, invitee, now, 14)
    calendar = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"][0]
    start = now.replace(microsecond=0) + timedelta(days=3)
    event = {"event_id": "seed", "summary": "Seed", "start": _utc(start)}
    event["end"] = _utc(start + timedelta(hours=1))
    url = f"/v1/calendars/{calendar['calendar_id']}/events"
    assert client.post(url, json=event, headers=host.headers).status_code == 202
    channel = client.post(
        "/v1/channels", json={"callback_url": "https://hooks.example.com/x"}, headers=host.headers
    ).get_json()["channel"]
    rts = client.post(
        "/v1/real_time_scheduling",
        json={
            "oauth": {"redirect_uri": "https://app.example.com/oauth"},
            "event": {"event_id": "rts", "summary": "Seed", "tzid": "UTC"},
            "availability": {
                "participants": [{"members": [{"sub": host.sub}]}],
                "required_duration": {"minutes": 30},
                "query_periods": [{"start": _utc(start), "end": _utc(start + timedelta(hours=4))}],
            },
            "target_calendars": [{"sub": host.sub, "calendar_id": calendar["calendar_id"]}],
        },
        headers=host.headers,
    ).get_json()["real_time_scheduling"]
    # The host is the admin of an organization with a member and a pending invitation.
    with app.app_context(), db.write() as s:
        admin = s.get(Account, host.account_id)
        create_organization(s, admin, "Engines")
        member = create_account(s, "member@example.com", "Member", "UTC", "correct horse battery")
        member.organization_id, member.organization_role = admin.organization_id, "member"
        invitation = invite(s, admin, "invited@example.com", "member", now).public_id
        member_sub = member.sub
    return {
        "invitation_id": [invitation],
        "sub": [member_sub, host.sub],
        "link_id": [open_link["id"], booked["id"]],
        "calendar_id": [calendar["calendar_id"]],
        "channel_id": [channel["channel_id"]],
        "real_time_scheduling_id": [rts["real_time_scheduling_id"]],
    }


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Strings that are valid JSON and valid by the spec, and that hurt where text meets storage.
EDGE_STRINGS = ["\x00", "a\x00b", "\ud800", "\u202e", " ", "\t\n", "%00", "é" * 300]
ENDS = [datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)]
FAR = st.sampled_from(ENDS) | st.datetimes(min_value=ENDS[0], max_value=ENDS[1])
ZONES = st.sampled_from(sorted(zoneinfo.available_timezones()))
OFFSET = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


def _time_text(data, near: datetime, near_only: bool = False) -> str:
    """An RFC 3339 time: near now (where availability and events mean something), or
    anywhere in years 1-9999 with any offset (the ends of the calendar included)."""
    if near_only or data.draw(st.booleans(), label="near now"):
        return _utc(near + timedelta(minutes=data.draw(st.integers(-180, 20_160))))
    value = data.draw(FAR, label="far").replace(tzinfo=data.draw(OFFSET, label="offset"))
    return value.isoformat()


def _shift(text: str, data) -> str:
    """A time a little after `text` (an end after its start), or `text` itself at the edge."""
    try:
        start = datetime.fromisoformat(text)
        return (start + timedelta(minutes=data.draw(st.integers(1, 2_880)))).isoformat()
    except (ValueError, OverflowError):
        return text


def _period_holders(body) -> list:
    """The objects with start and end of an availability query, a link or an event."""
    if not isinstance(body, dict):
        return []
    found = [body] if "start" in body and "end" in body else []
    for key in ("query_periods", "available_periods"):
        if isinstance(body.get(key), list):
            found += body[key]
    for step in body.get("sequence") if isinstance(body.get("sequence"), list) else []:
        if isinstance(step, dict) and isinstance(step.get("available_periods"), list):
            found += step["available_periods"]
    groups = [g for gs in _group_lists(body) if isinstance(gs, list) for g in gs]
    for group in groups:
        members = group.get("members") if isinstance(group, dict) else None
        for member in members if isinstance(members, list) else []:
            if isinstance(member, dict) and isinstance(member.get("available_periods"), list):
                found += member["available_periods"]
    return [p for p in found if isinstance(p, dict)]


def _group_lists(body) -> list:
    """The participants lists of an availability query, or of each sequenced step."""
    if not isinstance(body, dict):
        return []
    steps = body.get("sequence") if isinstance(body.get("sequence"), list) else []
    return [body.get("participants")] + [
        s.get("participants") for s in steps if isinstance(s, dict)
    ]


def _string_slots(node, slots=None) -> list:
    """(container, key) of every string in a JSON value."""
    slots = [] if slots is None else slots
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        if isinstance(value, str):
            slots.append((node, key))
        elif isinstance(value, dict | list):
            _string_slots(value, slots)
    return slots


def _dicts(value):
    """Every object in a JSON value, outermost first."""
    if isinstance(value, dict):
        yield value
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from _dicts(item)


def _plain_integers(node) -> None:
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            node[key] = int(value)
        elif isinstance(value, dict | list):
            _plain_integers(value)


def _likely(data, label: str) -> bool:
    """True three times in four (and True is what Hypothesis tries first)."""
    return data.draw(st.sampled_from([True, True, True, False]), label=label)


def _steer(case, data, host) -> None:
    """Random data rarely gets past validation to storage and the engine: subs nobody has,
    time zones that do not exist, 35-day spans, 14-day events, end times before start times.
    Steer some cases there (each step on a coin flip): one member per group, the caller
    itself; real zones; times near now or at the ends of the calendar; ordered working
    hours; and, last, an edge-case string in one place."""
    near = datetime.now(UTC).replace(second=0, microsecond=0)
    body = case.body
    if isinstance(body, dict | list) and _likely(data, "plain integers"):
        _plain_integers(body)  # JSON Schema counts 30.0 as an integer, the API does not
    for groups in _group_lists(body):
        if not isinstance(groups, list) or not _likely(data, "own sub"):
            continue
        del groups[3:]  # at most 10 members in all
        for group in groups:
            members = group.get("members") if isinstance(group, dict) else None
            if isinstance(members, list) and members and isinstance(members[0], dict):
                member = {**members[0], "sub": host.sub}
                member.pop("calendar_ids", None)  # random ids are never the caller's
                group["members"] = [member]
                group["required"] = data.draw(st.sampled_from(["all", 1]), label="required")
    steps = body.get("sequence") if isinstance(body, dict) else None
    if isinstance(steps, list) and _likely(data, "ordinals 1..n"):
        for k, step in enumerate(steps):
            if isinstance(step, dict):
                step["ordinal"] = k + 1
    holders = _period_holders(body)
    if holders and _likely(data, "steer periods"):
        near_only = _likely(data, "all near now")
        for holder in holders:
            holder["start"] = _time_text(data, near, near_only)
            holder["end"] = _shift(holder["start"], data)
    if isinstance(body, dict) and "expires_at" in body and data.draw(st.booleans()):
        body["expires_at"] = _time_text(data, near + timedelta(days=1))
    for name in ("from", "to"):
        if name in (case.query or {}) and data.draw(st.booleans(), label=f"steer {name}"):
            case.query[name] = _time_text(data, near)
    zoned = [d for d in _dicts(body) if "tzid" in d]
    zoned += [case.query] if "tzid" in (case.query or {}) else []
    if zoned and _likely(data, "real zones"):
        for holder in zoned:
            holder["tzid"] = data.draw(ZONES, label="zone")
    hours = [d for d in _dicts(body) if {"start_time", "end_time"} <= set(d)]
    if hours and _likely(data, "ordered hours"):
        for period in hours:
            if isinstance(period["start_time"], str) and isinstance(period["end_time"], str):
                first, last = sorted([period["start_time"], period["end_time"]])
                period["start_time"] = first
                period["end_time"] = last if last != first else "24:00"
    slots = _string_slots(body) if isinstance(body, dict | list) else []
    for params in (case.path_parameters, case.query):
        slots += [(params, k) for k, v in (params or {}).items() if isinstance(v, str)]
    if slots and data.draw(st.integers(0, 3), label="edge string?") == 0:
        container, key = data.draw(st.sampled_from(slots), label="where")
        in_url = container is case.path_parameters or container is case.query
        choices = [e for e in EDGE_STRINGS if not (in_url and "\ud800" in e)]
        edge = data.draw(st.sampled_from(choices), label="edge")
        container[key] = data.draw(st.sampled_from([edge, container[key] + edge]))


def _strategy(operation, seeds: dict):
    """Positive and negative cases; three in four with a real id in the path, if it has one."""
    names = [
        p
        for p in ("link_id", "calendar_id", "invitation_id", "sub", "real_time_scheduling_id")
        if "{" + p + "}" in operation.path
    ]
    choices = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        choices.append(operation.as_strategy(generation_mode=mode))
        seeded = [
            operation.as_strategy(generation_mode=mode, path_parameters={name: value})
            for name in names
            for value in seeds[name]
        ]
        if seeded:
            choices += 3 * [st.one_of(seeded)]
    return st.sampled_from(choices).flatmap(lambda strategy: strategy)


def _is_postgres(app) -> bool:
    return app.config["DATABASE_URL"].startswith("postgresql")


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_fuzz(app, client, host, method, path):
    seeds = _seed(app, client, host)
    operation = _schema()[path][method]
    statuses = []

    @settings(
        max_examples=SOLVER_EXAMPLES if path in SOLVER_PATHS else MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=timedelta(seconds=5),
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(case=_strategy(operation, seeds), data=st.data())
    def run(case, data):
        _steer(case, data, host)
        response = case.call(app=app, headers=host.headers)
        event(str(response.status_code))
        note(case.as_curl_command())
        case.validate_response(response, checks=CHECKS, headers=host.headers)
        statuses.append(response.status_code)

    run()
    print(f"{method} {path}: {sorted(Counter(statuses).items())}")
    assert statuses


# --- regressions: bugs the fuzzing found once ------------------------------------------------
#
# Each is a request that design.md section 4 and the spec answer with JSON (a 4xx, or a 202
# without a body), which the app once did not.


def _cal(client, host) -> str:
    return client.get("/v1/calendars", headers=host.headers).get_json()["calendars"][0][
        "calendar_id"
    ]


def _link(client, host) -> str:
    return create_link(client, host)["id"]


EVENT = {"event_id": "e1", "summary": "Busy", "start": "2030-01-07T10:00:00Z"}
EVENT["end"] = "2030-01-07T11:00:00Z"
CONTACT = {"email": "ada@example.com"}
FAR_TIME_REQUESTS = {
    "link-expires_at-year-1": (
        "POST", "/v1/scheduling_links",
        {"contact": CONTACT, "expires_at": "0001-01-01T00:00:00+01:00"},
    ),
    "link-query_periods-year-9999": (
        "POST", "/v1/scheduling_links",
        {"contact": CONTACT, "query_periods": [
            {"start": "9999-12-31T22:00:00-05:00", "end": "9999-12-31T23:00:00-05:00"}
        ]},
    ),
    "event-start-year-9999": (
        "POST", "/v1/calendars/{cal}/events",
        {**EVENT, "start": "9999-12-30T09:00:00Z", "end": "9999-12-30T10:00:00Z"},
    ),
    "event-all-day-year-1-east-of-utc": (
        "POST", "/v1/calendars/{cal}/events",
        {**EVENT, "start": "0001-01-01", "end": "0001-01-02", "tzid": "Asia/Tokyo"},
    ),
    "events-to-year-9999-west-of-utc": (
        "GET", "/v1/events?to=9999-12-31T23:59:59-04:38", None,
    ),
    "events-from-near-year-10000": ("GET", "/v1/events?from=9999-12-31T00:00:00Z", None),
    "events-from-date-year-1-east-of-utc": (
        "GET", "/v1/events?from=0001-01-01&tzid=Asia/Tokyo", None,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", FAR_TIME_REQUESTS)
def test_regression_far_times_are_not_a_500(client, host, name):
    method, path, body = FAR_TIME_REQUESTS[name]
    path = path.format(cal=_cal(client, host))
    response = client.open(path, method=method, json=body, headers=host.headers)
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.mimetype == "application/json"


def _text_requests(client, host, bad: str) -> dict:
    cal, link = _cal(client, host), _link(client, host)
    return {
        "event-event_id": ("POST", f"/v1/calendars/{cal}/events", {**EVENT, "event_id": bad}),
        "event-summary": ("POST", f"/v1/calendars/{cal}/events", {**EVENT, "summary": bad}),
        "delete-event_id": ("DELETE", f"/v1/calendars/{cal}/events", {"event_id": bad}),
        "link-summary": ("POST", "/v1/scheduling_links", {"contact": CONTACT, "summary": bad}),
        "disable-display_message": (
            "POST", f"/v1/scheduling_links/{link}/disable", {"display_message": bad},
        ),
        "availability-sub": (
            "POST", "/v1/availability",
            {"participants": [{"members": [{"sub": bad}]}], "required_duration": 30,
             "query_periods": [{"start": EVENT["start"], "end": EVENT["end"]}]},
        ),
    }  # fmt: skip


TEXT_FIELDS = [
    "event-event_id", "event-summary", "delete-event_id", "link-summary",
    "disable-display_message",
]  # fmt: skip


@pytest.mark.parametrize("field", [*TEXT_FIELDS, "availability-sub"])
def test_regression_lone_surrogate_in_text_is_not_a_500(client, host, field):
    method, path, body = _text_requests(client, host, "x\ud800")[field]
    response = client.open(path, method=method, json=body, headers=host.headers)
    assert response.status_code < 500, response.get_data(as_text=True)


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_regression_nul_in_text_is_not_a_500(request, app, client, host, field):
    method, path, body = _text_requests(client, host, "a\x00b")[field]
    response = client.open(path, method=method, json=body, headers=host.headers)
    assert response.status_code < 500, response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/scheduling_links/sl_%00",
        "/v1/scheduling_links/sl_%00/qr.svg",
        "/v1/calendars/cal_%00/events",
    ],
)
def test_regression_nul_in_path_id_is_404(request, app, client, host, path):
    method = "POST" if path.endswith("/events") else "GET"
    response = client.open(path, method=method, json=EVENT, headers=host.headers)
    assert response.status_code == 404, response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/v1//userinfo", "/v1/scheduling_links//qr.svg"])
def test_regression_double_slash_under_v1_is_json(client, host, path):
    response = client.get(path, headers=host.headers)
    assert response.mimetype == "application/json"
    assert response.status_code == 404


def test_regression_405_says_which_methods_are_allowed(client, host):
    response = client.delete("/v1/userinfo", headers=host.headers)
    assert response.status_code == 405
    assert "GET" in response.headers.get("Allow", "")


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_regression_202_does_not_claim_html(client, host, method):
    path = f"/v1/calendars/{_cal(client, host)}/events"
    response = client.open(path, method=method, json=EVENT, headers=host.headers)
    assert response.status_code == 202 and response.data == b""
    assert response.mimetype != "text/html"
