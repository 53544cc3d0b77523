"""Every public form and JSON endpoint, fed a corpus of hostile values (NUL and other
controls, CR/LF, RFC 2047 encoded words, lone surrogates, deep JSON, huge numbers, non-ASCII
digits, fullwidth punctuation), on SQLite and PostgreSQL: no answer may be a 5xx.

The corpus goes into one field at a time while the others stay valid, so each value reaches
as deep as it can (a booking with a hostile name really is inserted). The test also fails
when a route exists that it did not reach, so new endpoints join the fuzz."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from flask import request
from helpers import NATIVE, create_link, form_fields, path_of
from helpers import login as sign_in

TEXT = [
    "", " ", "\x00", "a\x00b", "\x1b[31mred", "\r\n", "x\r\nBcc: evil@attacker.test",
    "Eve=?utf-8?q?=0D=0AReply-To=3A_evil=40attacker.test?=", "\ud800", "a\udfffb", "\u202e",
    "9" * 5000, "²", "١٢٣", "１２３", "𝟗", "-1", "1e309", "NaN", "／", "https://a.example／evil",
    "//evil.example", "/\t/evil.example", "/\n/x", "\\\\evil", "%00", "{{7*7}}", "<script>",
    "2026-13-45T25:61:00Z", "9999-12-31T23:59:59-23:59", "Europe/London\x00", "ü" * 3000,
]  # fmt: skip
# The values most likely to break something, for places where each try is costly (a
# sign-in hashes a password, a cancel needs a booking of its own).
SHORT = ["\x00", "\x1b[31mred", "x\r\nBcc: evil@attacker.test", TEXT[7], "a\udfffb", "9" * 5000,
         "²", "ü" * 3000, ""]  # fmt: skip
# Field names the newer forms and JSON endpoints read, for the generic sweep at the end.
SWEEP_FIELDS = [
    "name", "email", "tzid", "hour_format", "label", "password", "current_password",
    "new_password", "code", "url", "username", "profile_name", "provider_name", "redirect_uri",
    "callback_url", "filters", "message", "reason", "calendar_id", "default", "profile_id",
    "token", "state", "credential", "show_email", "subscriptions", "conferencing", "purpose",
]  # fmt: skip
JSON_ONLY = [None, True, -1, 1.5, 2**70, [], {"a": "b"}, 1e308]
RAW_JSON = [
    "[" * 5000 + "]" * 5000,
    '{"a":' * 1500 + "1" + "}" * 1500,
    "[" * 100 + "]" * 100,
    "9" * 5000,
    '{"x": ' + "9" * 5000 + "}",
    '{"x": 1e999999}',
    '{"x": NaN, "y": Infinity}',
    '{"x": "\\ud800"}',
    '{"x": "\\u0000"}',
    "\x00",
    '{"a": 1, "a": 2}',
    "\xff\xfe{",
]


def _form(fields: dict) -> tuple[bytes, str]:
    """A urlencoded body; text that UTF-8 can't encode (lone surrogates) goes as raw bytes."""
    body = "&".join(
        f"{quote(k)}={quote(str(v).encode('utf-8', 'surrogatepass'), safe='')}"
        for k, v in fields.items()
    )
    return body.encode("ascii"), "application/x-www-form-urlencoded"


def _paths(body, prefix=()):
    """Every key path of a JSON body, one level into objects and list items."""
    if isinstance(body, dict):
        for key, value in body.items():
            yield (*prefix, key)
            if len(prefix) < 2:
                yield from _paths(value, (*prefix, key))
    elif isinstance(body, list) and body and len(prefix) < 2:
        yield from _paths(body[0], (*prefix, 0))


def _with(body, path, value):
    body = copy.deepcopy(body)
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


def _weekday(n: int) -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=(n - today.weekday()) % 7 + 7)


class Fuzz:
    def __init__(self, app, client, host):
        self.app, self.client, self.host = app, client, host
        self.failures: list[str] = []
        self.requests = 0

    def check(self, response, what: str) -> None:
        self.requests += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} on {what}")

    def api(self, method, path, body=None, raw=None, headers=None):
        headers = {**self.host.headers, **(headers or {})}
        if raw is not None:
            data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
            response = self.client.open(
                path, method=method, data=data, headers=headers, content_type="application/json"
            )
            self.check(response, f"{method} {path} raw {raw[:60]!r}")
            return response
        data = json.dumps(body)
        response = self.client.open(
            path, method=method, data=data, headers=headers, content_type="application/json"
        )
        self.check(response, f"{method} {path} {data[:120]}")
        return response

    def json_endpoint(self, method, path, base):
        assert self.api(method, path, base).status_code < 400, (path, base)
        for depth, field in enumerate(_paths(base)):
            for value in (TEXT if len(field) == 1 else SHORT) + JSON_ONLY:
                self.api(method, path, _with(base, field, value))
        for raw in RAW_JSON:
            self.api(method, path, raw=raw)

    def post_form(self, client, path, fields, what=None):
        body, content_type = _form(fields)
        response = client.post(path, data=body, content_type=content_type)
        self.check(response, what or f"POST {path} {str(fields)[:160]}")
        return response

    def get(self, client, path):
        response = client.get(path)
        self.check(response, f"GET {path[:160]!r}")
        return response


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _book(fuzz, link_url, start_index):
    """A fresh booking through the page; returns its confirmation page."""
    page = fuzz.client.get(path_of(link_url)).get_data(as_text=True)
    fields = form_fields(page)
    data = {
        "form_token": fields["form_token"], "tz": "Europe/London", "name": "Ada",
        "email": "ada@example.com", "start": fields["starts"][start_index % len(fields["starts"])],
    }  # fmt: skip
    done = fuzz.post_form(fuzz.client, path_of(link_url), data)
    assert done.status_code == 303, done.get_data(as_text=True)[:500]
    return fuzz.client.get(done.headers["Location"]).get_data(as_text=True)


def _argument(converter: str, hostile: str) -> str:
    """A path argument for the sweep: a number for `int:`, the first choice for `any(…)`
    (only its choices route at all), else the hostile value."""
    if converter.startswith("int:"):
        return "1"
    if converter.startswith("any("):
        return converter[4 : converter.index(")")].split(",")[0].strip()
    return hostile


def test_no_hostile_value_gets_a_5xx(app, client, host):
    reached: set[str] = set()
    app.before_request(lambda: reached.add(request.endpoint))
    app.config.update(
        RATELIMIT_BOOKING="1000000/minute", RATELIMIT_BOOKING_PER_LINK="1000000/minute",
        RATELIMIT_LOGIN="1000000/minute", RATELIMIT_LOGIN_ACCOUNT="1000000/minute",
        RATELIMIT_MARKUP_CHECKER="1000000/minute", REDIRECT_ORIGINS=["https://ats.example"],
    )  # fmt: skip
    fuzz = Fuzz(app, client, host)
    monday = _weekday(0)
    period = {"start": f"{monday}T00:00:00Z", "end": f"{monday + timedelta(days=5)}T00:00:00Z"}

    # --- the JSON API ------------------------------------------------------------------------
    fuzz.json_endpoint("POST", "/v1/markup/parse", {"html": NATIVE, "url": "https://ats.example/"})
    fuzz.json_endpoint(
        "POST",
        "/v1/scheduling_links",
        {
            "contact": {
                "name": "Ada", "email": "ada@example.com", "tzid": "Europe/London",
                "summary": "Intro", "duration_minutes": 30, "source": "manual",
                "organization": "Engines", "phone": "+44", "reference": "r-1",
            },
            "summary": "Intro", "duration_minutes": 30, "max_uses": 2,
            "expires_at": f"{monday + timedelta(days=20)}T00:00:00Z",
            "query_periods": [period], "redirect_url": "https://ats.example/done",
        },
    )  # fmt: skip
    fuzz.json_endpoint("POST", "/v1/scheduling_links", {"markup": NATIVE, "summary": "From page"})
    for value in TEXT:
        if value.isascii() and value.isprintable():
            fuzz.api("POST", "/v1/scheduling_links", {"markup": NATIVE}, headers={
                "Idempotency-Key": value or "k"})  # fmt: skip
    link = create_link(client, host, max_uses=1000)
    throwaway = create_link(client, host)
    fuzz.json_endpoint(
        "POST", f"/v1/scheduling_links/{throwaway['id']}/disable", {"display_message": "Closed"}
    )
    fuzz.api("GET", "/v1/scheduling_links")
    fuzz.api("GET", f"/v1/scheduling_links/{link['id']}")
    fuzz.api("GET", f"/v1/scheduling_links/{link['id']}/qr.svg")
    fuzz.api("GET", "/v1/userinfo")
    calendars = fuzz.api("GET", "/v1/calendars").get_json()["calendars"]
    calendar_id = calendars[0]["calendar_id"]
    event = {
        "event_id": "fuzz-1", "summary": "Busy", "description": "line 1\nline 2",
        "start": f"{monday}T09:00:00Z", "end": f"{monday}T10:00:00Z", "tzid": "Europe/London",
        "location": {"description": "Room 1"}, "transparency": "opaque",
    }  # fmt: skip
    fuzz.json_endpoint("POST", f"/v1/calendars/{calendar_id}/events", event)
    fuzz.json_endpoint("DELETE", f"/v1/calendars/{calendar_id}/events", {"event_id": "fuzz-1"})
    fuzz.json_endpoint(
        "POST",
        "/v1/availability",
        {
            "participants": [{"members": [{"sub": host.sub}], "required": "all"}],
            "required_duration": {"minutes": 30},
            "query_periods": [period],
            "buffer": {"before": {"minutes": 5}, "after": {"minutes": 5}},
            "start_interval": {"minutes": 15},
            "response_format": "slots",
            "max_results": 10,
        },
    )
    fuzz.api("GET", "/v1/availability_rules")
    rules = {
        "availability_rule_id": "default", "tzid": "Europe/London",
        "weekly_periods": [{"day": d, "start_time": "09:00", "end_time": "17:00"}
                           for d in ("monday", "tuesday", "wednesday", "thursday", "friday")],
    }  # fmt: skip
    fuzz.json_endpoint("PUT", "/v1/availability_rules", rules)
    assert fuzz.api("PUT", "/v1/availability_rules", rules).status_code == 200
    for value in TEXT:
        segment = quote(value.encode("utf-8", "surrogatepass"), safe="")
        fuzz.api("GET", f"/v1/scheduling_links/{segment}")
        fuzz.api("GET", f"/v1/scheduling_links/{segment}/qr.svg")
        fuzz.api("POST", f"/v1/scheduling_links/{segment}/disable", {})
        fuzz.api("POST", f"/v1/calendars/{segment}/events", event)
        for name in ("from", "to", "tzid"):
            fuzz.api("GET", f"/v1/events?{name}={segment}")
        fuzz.api("GET", f"/v1/events/pages/{segment}")
    events = fuzz.api("GET", f"/v1/events?from={monday}&to={monday + timedelta(days=6)}")
    assert events.status_code == 200

    # --- the booking page and the invitee's self-service ------------------------------------
    page = client.get(path_of(link["url"])).get_data(as_text=True)
    fields = form_fields(page)
    starts = fields["starts"]
    valid = {"form_token": fields["form_token"], "tz": "Europe/London", "h": "24",
             "name": "Ada", "email": "ada@example.com"}  # fmt: skip
    used = 0
    for field in ("name", "email", "tz", "h", "form_token", "start"):
        for value in TEXT if field in ("name", "start") else SHORT:
            data = {**valid, "start": starts[used % len(starts)], field: value}
            if fuzz.post_form(client, path_of(link["url"]), data).status_code == 303:
                used += 1
    for value in TEXT:
        segment = quote(value.encode("utf-8", "surrogatepass"), safe="")
        for prefix in ("/b/", "/booked/", "/booking/cancel/", "/booking/reschedule/"):
            fuzz.get(client, prefix + segment)
            fuzz.post_form(client, prefix + segment, valid)
        fuzz.get(client, f"/booked/{segment}/invite.ics")
        fuzz.get(client, f"/demo/ats/candidates/{segment}")
        fuzz.get(client, f"/tools/markup-checker?example={segment}")
        for name in ("state", "code", "error"):
            fuzz.get(client, f"/oauth/callback?state=s&code=c&{name}={segment}")

    # Each reason goes into a booking of its own, cancelled by the invitee.
    for i, value in enumerate(SHORT):
        confirmation = _book(fuzz, link["url"], used + i)
        cancel = re.search(r'href="[^"]*(/booking/cancel/[^"]+)"', confirmation).group(1)
        reschedule = re.search(r'href="[^"]*(/booking/reschedule/[^"]+)"', confirmation).group(1)
        confirmed = re.search(r'href="[^"]*(/booked/[^"/]+)/invite.ics"', confirmation).group(1)
        fuzz.get(client, confirmed + "/invite.ics")
        moving = form_fields(fuzz.get(client, reschedule).get_data(as_text=True))
        for field in ("start", "form_token"):
            data = {"form_token": moving["form_token"], "start": "2000-01-01T00:00:00Z"}
            fuzz.post_form(client, reschedule, {**data, field: value})
        form_token = form_fields(fuzz.get(client, cancel).get_data(as_text=True))["form_token"]
        fuzz.post_form(client, cancel, {"form_token": form_token, "reason": value})
    used += len(SHORT)

    # --- the markup checker, sign-in, and the host's pages -----------------------------------
    checker = app.test_client()
    for value in TEXT:
        fuzz.post_form(checker, "/tools/markup-checker", {"html": value})
    fuzz.get(checker, "/tools/markup-checker")
    fuzz.get(checker, "/demo/")
    fuzz.get(checker, "/healthz")

    visitor = app.test_client()
    token = _csrf(visitor.get("/login").get_data(as_text=True))
    login = {"csrf_token": token, "email": host.email, "password": "wrong password"}
    for field in ("email", "password", "csrf_token"):
        for value in TEXT if field == "csrf_token" else SHORT:
            fuzz.post_form(visitor, "/login", {**login, field: value})
    good = {**login, "password": "correct horse battery"}
    redirects = [
        "/%09/evil.example",
        "/\t/evil.example",
        "/\n/x",
        "/\r\n/x",
        "//evil.example",
        "/\\evil.example",
        "https://a.example／evil",
        "／／evil.example",
        "\ud800",
        "\x00",
    ]
    for value in redirects:
        signed_in = app.test_client()
        good["csrf_token"] = _csrf(signed_in.get("/login").get_data(as_text=True))
        target = quote(value.encode("utf-8", "surrogatepass"), safe="")
        response = fuzz.post_form(signed_in, f"/login?next={target}", good)
        assert response.status_code == 303
        assert response.headers["Location"].startswith("/"), response.headers["Location"]

    host_client = app.test_client()
    token = _csrf(host_client.get("/login").get_data(as_text=True))
    assert fuzz.post_form(host_client, "/login", {**good, "csrf_token": token}).status_code == 303
    token = _csrf(fuzz.get(host_client, "/").get_data(as_text=True))
    for value in TEXT:
        fuzz.post_form(host_client, "/api-keys", {"csrf_token": token, "label": value})
        segment = quote(value.encode("utf-8", "surrogatepass"), safe="")
        fuzz.post_form(host_client, f"/api-keys/{segment}/revoke", {"csrf_token": token})
        fuzz.post_form(host_client, f"/links/{segment}/disable", {"csrf_token": token})
        fuzz.post_form(host_client, f"/bookings/{segment}/cancel", {"csrf_token": token})
        fuzz.get(host_client, f"/oauth/confirm?state={segment}")
        for action in ("connect", "cancel"):
            fuzz.post_form(host_client, "/oauth/confirm",
                           {"csrf_token": token, "state": value, "action": action})  # fmt: skip
    fuzz.post_form(host_client, "/api-keys/2/revoke", {"csrf_token": token})  # not the tests' key
    hours = {
        "csrf_token": token, "tzid": "Europe/London",
        **{f"{day}-{end}": time for day in ("monday", "tuesday", "wednesday", "thursday",
           "friday", "saturday", "sunday") for end, time in (("start", "00:00"), ("end", "00:00"))},
        "override-date": "2026-12-24", "override-kind": "hours", "override-start": "10:00",
        "override-end": "12:00", "min_notice_minutes": "60", "max_days_ahead": "30",
        "buffer_before": "5", "buffer_after": "5",
    }  # fmt: skip
    fuzz.get(host_client, "/settings/hours")
    for field in [k for k in hours if k != "csrf_token"]:
        for value in TEXT:
            fuzz.post_form(host_client, "/settings/hours", {**hours, field: value})
    for value in SHORT:
        other = create_link(client, host)
        fuzz.post_form(
            host_client, f"/links/{other['id']}/disable", {"csrf_token": token, "message": value}
        )
        confirmation = _book(fuzz, link["url"], used)
        used += 1
        booking_id = re.search(r"bk_[a-z0-9]+", confirmation)
        with app.app_context():
            from backend import db
            from backend.models import Booking

            booking_id = (
                db.session().query(Booking.public_id).order_by(Booking.id.desc()).first()[0]
            )
        fuzz.post_form(
            host_client, f"/bookings/{booking_id}/cancel", {"csrf_token": token, "reason": value}
        )
    fuzz.post_form(host_client, "/logout", {"csrf_token": "\x00"})
    fuzz.post_form(host_client, "/logout", {"csrf_token": token})

    # /readyz answers 503 by design while no worker has beaten (none runs here): JSON, no crash.
    for value in SHORT:
        query = quote(value.encode("utf-8", "surrogatepass"), safe="")
        ready = app.test_client().get(f"/readyz?x={query}")
        assert ready.status_code in (200, 503) and ready.is_json, ready.status_code

    # --- every other route: a generic sweep ---------------------------------------------------
    # Routes with no tailored pass above get each short value in their path arguments and in
    # every field name they might read (form or JSON), signed in and with the API key.
    signed_in = app.test_client()
    assert sign_in(signed_in).status_code == 303
    token = _csrf(signed_in.get("/settings/hours").get_data(as_text=True))
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in reached or rule.endpoint == "static":
            continue
        for value in SHORT:
            segment = quote(value.encode("utf-8", "surrogatepass"), safe="") or "x"
            path = re.sub(r"<([^>]+)>", lambda m: _argument(m[1], segment), rule.rule)
            fields = dict.fromkeys(SWEEP_FIELDS, value)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if path.startswith("/v1/"):
                    fuzz.api(method, path, fields)
                    continue
                body, content_type = _form({**fields, "csrf_token": token})
                response = signed_in.open(path, method=method, data=body, content_type=content_type)
                fuzz.check(response, f"{method} {path[:120]} sweep {value[:20]!r}")

    assert not fuzz.failures, "\n".join(fuzz.failures[:40])
    every = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert every - reached == set(), f"routes the fuzz never reached: {every - reached}"
