"""Cronofy-shaped requests: parsing (every 422), resolving against calendars, rendering."""

import copy
from datetime import UTC, datetime, time, timedelta

import pytest

from backend.availability import Result
from backend.availability.query import (
    GroupSpec,
    MemberCalendar,
    MemberSpec,
    Query,
    QueryError,
    parse_query,
    render,
    resolve,
)
from backend.availability.rules import AvailabilityRule, WeeklyPeriod, default_rule

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)  # Monday


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# the example request from Cronofy's Availability API documentation
CRONOFY = {
    "participants": [
        {
            "members": [
                {"sub": "acc_5ba21743f408617d1269ea1e", "managed_availability": True},
                {"sub": "acc_64b17d868090ea21640c914c", "managed_availability": True},
            ],
            "required": "all",
        },
        {
            "members": [
                {"sub": "res_5ba21743f408617d12693521"},
                {"sub": "res_5ba21743f4000563a26934ea"},
                {"sub": "res_64b17d868090ea21640ad6e0"},
            ],
            "required": 1,
        },
    ],
    "required_duration": {"minutes": 60},
    "query_periods": [
        {"start": "2026-12-01T09:00:00Z", "end": "2026-12-01T18:00:00Z"},
        {"start": "2026-12-02T09:00:00Z", "end": "2026-12-02T18:00:00Z"},
    ],
    "buffer": {"before": {"minutes": 30}, "after": {"minutes": 15}},
    "response_format": "slots",
}


def test_parse_the_cronofy_example():
    q = parse_query(CRONOFY)
    assert [g.required for g in q.groups] == ["all", 1]
    assert q.groups[1].members[0] == MemberSpec("res_5ba21743f408617d12693521", None, True)
    assert q.query_periods == (
        (utc(2026, 12, 1, 9), utc(2026, 12, 1, 18)),
        (utc(2026, 12, 2, 9), utc(2026, 12, 2, 18)),
    )
    assert q.duration == timedelta(minutes=60)
    assert (q.buffer_before, q.buffer_after) == (timedelta(minutes=30), timedelta(minutes=15))
    assert (q.response_format, q.start_interval, q.max_results) == ("slots", None, 256)
    assert q.subs() == {m["sub"] for g in CRONOFY["participants"] for m in g["members"]}
    assert q.window() == (utc(2026, 12, 1, 8, 30), utc(2026, 12, 2, 18, 15))


def test_cronofy_example_end_to_end():
    a, b = "acc_5ba21743f408617d1269ea1e", "acc_64b17d868090ea21640c914c"
    r1, r2, r3 = (
        "res_5ba21743f408617d12693521",
        "res_5ba21743f4000563a26934ea",
        "res_64b17d868090ea21640ad6e0",
    )
    day1 = utc(2026, 12, 1)
    cal = {
        a: MemberCalendar(
            [(day1 + timedelta(hours=10, minutes=30), day1 + timedelta(hours=16, minutes=30))]
        ),
        b: MemberCalendar([]),
        r1: MemberCalendar([]),
        r2: MemberCalendar([(day1 + timedelta(hours=9), day1 + timedelta(hours=10))]),
        r3: MemberCalendar([(day1, day1 + timedelta(days=1))]),
    }
    q = parse_query(CRONOFY)
    body = render(q, resolve(q, cal, NOW))
    slots = body["available_slots"]
    # day 1: 09:00-10:00 needs 10:15 free after it, a is busy from 10:30 -> only the first slot
    assert slots[0] == {
        "start": "2026-12-01T09:00:00Z",
        "end": "2026-12-01T10:00:00Z",
        "participants": [{"sub": a}, {"sub": b}, {"sub": r1}],
    }
    # the grid is the duration (60 minutes); 17:00 is just clear of the 30-minute before-buffer
    assert slots[1] == {
        "start": "2026-12-01T17:00:00Z",
        "end": "2026-12-01T18:00:00Z",
        "participants": [{"sub": a}, {"sub": b}, {"sub": r1}, {"sub": r2}],
    }
    assert slots[2]["start"] == "2026-12-02T09:00:00Z"
    assert [p["sub"] for p in slots[2]["participants"]] == [a, b, r1, r2, r3]
    assert list(body) == ["available_slots"]


def test_legacy_available_periods_alias():
    data = copy.deepcopy(CRONOFY)
    data["available_periods"] = data.pop("query_periods")
    assert parse_query(data).query_periods == parse_query(CRONOFY).query_periods


def test_both_period_keys_is_an_error_on_both():
    data = dict(CRONOFY, available_periods=CRONOFY["query_periods"])
    with pytest.raises(QueryError) as exc:
        parse_query(data)
    assert {"query_periods", "available_periods"} <= set(exc.value.errors)


def test_plain_integer_minutes_and_defaults():
    q = parse_query(
        {
            "participants": [{"members": [{"sub": "acc_1"}]}],
            "required_duration": 30,
            "query_periods": [
                {"start": "2026-12-01T10:00:00+01:00", "end": "2026-12-01T12:00:00+01:00"}
            ],
            "buffer": {"before": 5},
            "start_interval": 15,
        }
    )
    assert q.groups == (GroupSpec((MemberSpec("acc_1"),), "all"),)
    assert q.query_periods == ((utc(2026, 12, 1, 9), utc(2026, 12, 1, 11)),)
    assert (q.duration, q.buffer_before, q.buffer_after) == (
        timedelta(minutes=30),
        timedelta(minutes=5),
        timedelta(0),
    )
    assert (q.start_interval, q.response_format, q.max_results) == (
        timedelta(minutes=15),
        "periods",
        None,
    )


def test_member_available_periods_and_unmanaged():
    data = copy.deepcopy(CRONOFY)
    data["participants"][0]["members"][0]["available_periods"] = [
        {"start": "2026-12-01T09:00:00Z", "end": "2026-12-01T12:00:00Z"}
    ]
    data["participants"][0]["members"][1]["managed_availability"] = False
    a, b = parse_query(data).groups[0].members
    assert a.available_periods == ((utc(2026, 12, 1, 9), utc(2026, 12, 1, 12)),)
    assert b.managed_availability is False


def without(path):
    data = copy.deepcopy(CRONOFY)
    *parents, last = path
    node = data
    for p in parents:
        node = node[p]
    del node[last]
    return data


def with_(path, value):
    data = copy.deepcopy(CRONOFY)
    *parents, last = path
    node = data
    for p in parents:
        node = node[p]
    node[last] = value
    return data


def period(start, end):
    return {"start": start, "end": end}


@pytest.mark.parametrize(
    ("data", "field", "key"),
    [
        ("participants", "body", "errors.invalid"),
        (without(["participants"]), "participants", "errors.required"),
        (with_(["participants"], []), "participants", "errors.invalid"),
        (with_(["participants"], {"members": []}), "participants", "errors.invalid"),
        (with_(["participants", 0], "acc_1"), "participants[0].members", "errors.invalid"),
        (with_(["participants", 0, "members"], []), "participants[0].members", "errors.invalid"),
        (
            with_(["participants", 0, "members", 0], "acc_1"),
            "participants[0].members[0]",
            "errors.invalid",
        ),
        (
            without(["participants", 0, "members", 0, "sub"]),
            "participants[0].members[0].sub",
            "errors.required",
        ),
        (
            with_(["participants", 0, "members", 0, "sub"], 42),
            "participants[0].members[0].sub",
            "errors.invalid",
        ),
        (
            with_(["participants", 0, "members", 0, "sub"], ""),
            "participants[0].members[0].sub",
            "errors.invalid",
        ),
        (
            with_(["participants", 0, "members", 0, "sub"], "x" * 256),
            "participants[0].members[0].sub",
            "errors.invalid",
        ),
        (
            with_(["participants", 0, "members", 0, "sub"], "acc\n1"),
            "participants[0].members[0].sub",
            "errors.invalid",
        ),
        (
            with_(["participants", 0, "members", 1, "sub"], "acc_5ba21743f408617d1269ea1e"),
            "participants[0].members[1].sub",
            "errors.invalid",
        ),
        (
            # (a string is a rule id: managed_availability: "work")
            with_(["participants", 0, "members", 0, "managed_availability"], 1),
            "participants[0].members[0].managed_availability",
            "errors.invalid",
        ),
        (
            with_(["participants", 0, "members", 0, "available_periods"], []),
            "participants[0].members[0].available_periods",
            "errors.invalid",
        ),
        (
            with_(
                ["participants", 0, "members", 0, "available_periods"],
                [period("2026-12-01T09:00:00Z", "2026-12-01T08:00:00Z")],
            ),
            "participants[0].members[0].available_periods[0].end",
            "errors.invalid",
        ),
        (with_(["participants", 1, "required"], 0), "participants[1].required", "errors.invalid"),
        (with_(["participants", 1, "required"], 4), "participants[1].required", "errors.invalid"),
        (
            with_(["participants", 1, "required"], "some"),
            "participants[1].required",
            "errors.invalid",
        ),
        (
            with_(["participants", 1, "required"], True),
            "participants[1].required",
            "errors.invalid",
        ),
        (
            with_(["participants", 1, "members"], [{"sub": f"res_{i}"} for i in range(9)]),
            "participants",
            "errors.too_many",
        ),
        (without(["required_duration"]), "required_duration", "errors.required"),
        (with_(["required_duration"], {"minutes": 0}), "required_duration", "errors.invalid"),
        (with_(["required_duration"], {"minutes": 1441}), "required_duration", "errors.invalid"),
        (with_(["required_duration"], {"minutes": "30"}), "required_duration", "errors.invalid"),
        (with_(["required_duration"], {"mins": 30}), "required_duration", "errors.invalid"),
        (with_(["required_duration"], 30.5), "required_duration", "errors.invalid"),
        (without(["query_periods"]), "query_periods", "errors.required"),
        (with_(["query_periods"], []), "query_periods", "errors.invalid"),
        (
            with_(["query_periods"], {"start": "2026-12-01T09:00:00Z"}),
            "query_periods",
            "errors.invalid",
        ),
        (with_(["query_periods"], ["2026-12-01T09:00:00Z"]), "query_periods[0]", "errors.invalid"),
        (
            with_(["query_periods"], [{"end": "2026-12-01T09:00:00Z"}]),
            "query_periods[0].start",
            "errors.required",
        ),
        (
            with_(["query_periods"], [period("2026-12-01T09:00:00", "2026-12-01T10:00:00Z")]),
            "query_periods[0].start",
            "errors.invalid",
        ),
        (
            with_(["query_periods"], [period("2026-12-01", "2026-12-01T10:00:00Z")]),
            "query_periods[0].start",
            "errors.invalid",
        ),
        (
            with_(["query_periods"], [period("2026-13-01T09:00:00Z", "2026-12-01T10:00:00Z")]),
            "query_periods[0].start",
            "errors.invalid",
        ),
        (
            with_(["query_periods"], [period("2026-12-01T09:00:00Z", 1764583200)]),
            "query_periods[0].end",
            "errors.invalid",
        ),
        (
            with_(["query_periods"], [period("2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z")]),
            "query_periods[0].end",
            "errors.invalid",
        ),
        (
            with_(["query_periods"], [period("2026-12-01T09:00:00Z", "2026-12-01T10:00:00+01:00")]),
            "query_periods[0].end",
            "errors.invalid",
        ),
        (
            with_(["query_periods"], [period("0001-01-01T00:00:00+01:00", "2026-12-01T10:00:00Z")]),
            "query_periods[0].start",
            "errors.invalid",
        ),
        (
            with_(
                ["query_periods"],
                [
                    period(f"2026-12-01T{h:02}:00:00Z", f"2026-12-01T{h:02}:30:00Z")
                    for h in range(24)
                ]
                * 3,
            ),
            "query_periods",
            "errors.too_many",
        ),
        (
            with_(
                ["query_periods"],
                [
                    period("2026-12-01T09:00:00Z", "2026-12-01T10:00:00Z"),
                    period("2027-01-05T09:00:00Z", "2027-01-05T10:00:00Z"),
                ],
            ),
            "query_periods",
            "errors.too_long",
        ),
        (with_(["buffer"], 30), "buffer", "errors.invalid"),
        (with_(["buffer"], {"before": {"minutes": -1}}), "buffer.before", "errors.invalid"),
        (with_(["buffer"], {"after": {"minutes": 1441}}), "buffer.after", "errors.invalid"),
        (with_(["start_interval"], {"minutes": 7}), "start_interval", "errors.invalid"),
        (with_(["start_interval"], {"minutes": 0}), "start_interval", "errors.invalid"),
        (with_(["response_format"], "blocks"), "response_format", "errors.invalid"),
        (with_(["max_results"], 0), "max_results", "errors.invalid"),
        (with_(["max_results"], 513), "max_results", "errors.invalid"),
        (with_(["max_results"], True), "max_results", "errors.invalid"),
    ],
)
def test_parse_query_errors(data, field, key):
    with pytest.raises(QueryError) as exc:
        parse_query(data)
    assert key in [e["key"] for e in exc.value.errors[field]], exc.value.errors
    assert all(e["description"] for errs in exc.value.errors.values() for e in errs)


def test_limits_are_parameters():
    many = with_(
        ["query_periods"],
        [period(f"2026-12-01T{h:02}:00:00Z", f"2026-12-01T{h:02}:30:00Z") for h in range(10)],
    )
    assert len(parse_query(many).query_periods) == 10
    with pytest.raises(QueryError):
        parse_query(many, max_periods=9)
    with pytest.raises(QueryError):
        parse_query(CRONOFY, max_span_days=1)
    with pytest.raises(QueryError):
        parse_query(CRONOFY, max_members=4)
    span35 = with_(["query_periods"], [period("2026-12-01T00:00:00Z", "2027-01-05T00:00:00Z")])
    assert parse_query(span35).query_periods


def test_every_error_is_reported_at_once():
    with pytest.raises(QueryError) as exc:
        parse_query({"participants": [], "required_duration": 0, "response_format": "x"})
    assert set(exc.value.errors) == {
        "participants",
        "required_duration",
        "query_periods",
        "response_format",
    }


# ---- resolve ----------------------------------------------------------------------------


def query(periods, fmt="periods", **kw):
    return Query(
        groups=kw.pop("groups", (GroupSpec((MemberSpec("acc_h"),)),)),
        query_periods=tuple(periods),
        duration=kw.pop("duration", timedelta(minutes=30)),
        response_format=fmt,
        **kw,
    )


def test_resolve_applies_the_rule_busy_time_and_own_periods():
    rule = default_rule("Europe/London")
    cal = {"acc_h": MemberCalendar([(utc(2026, 12, 1, 10), utc(2026, 12, 1, 11))], rule)}
    q = query([(utc(2026, 12, 1), utc(2026, 12, 2))])
    assert [(r.start, r.end) for r in resolve(q, cal, NOW)] == [
        (utc(2026, 12, 1, 9), utc(2026, 12, 1, 10)),
        (utc(2026, 12, 1, 11), utc(2026, 12, 1, 17)),
    ]
    own = (
        (utc(2026, 12, 1, 7), utc(2026, 12, 1, 9, 45)),
        (utc(2026, 12, 1, 16), utc(2026, 12, 1, 20)),
    )
    q = query(
        [(utc(2026, 12, 1), utc(2026, 12, 2))], groups=(GroupSpec((MemberSpec("acc_h", own),)),)
    )
    assert [(r.start, r.end) for r in resolve(q, cal, NOW)] == [
        (utc(2026, 12, 1, 9), utc(2026, 12, 1, 9, 45)),
        (utc(2026, 12, 1, 16), utc(2026, 12, 1, 17)),
    ]


def test_unmanaged_members_ignore_their_rule():
    cal = {"acc_h": MemberCalendar([], default_rule("UTC"))}
    q = query(
        [(utc(2026, 12, 5, 8), utc(2026, 12, 5, 9))],  # a Saturday
        groups=(GroupSpec((MemberSpec("acc_h", None, False),)),),
    )
    assert len(resolve(q, cal, NOW)) == 1
    assert resolve(query(q.query_periods), cal, NOW) == []


def test_resolve_starts_no_earlier_than_now_and_honours_notice():
    cal = {"acc_h": MemberCalendar([])}
    q = query([(utc(2026, 11, 30, 9), utc(2026, 11, 30, 14))])
    assert [(r.start, r.end) for r in resolve(q, cal, NOW)] == [(NOW, utc(2026, 11, 30, 14))]
    assert resolve(query([(utc(2026, 11, 29), utc(2026, 11, 30))]), cal, NOW) == []
    notice = AvailabilityRule(
        "UTC", (WeeklyPeriod("monday", time(0), time(23)),), min_notice_minutes=90
    )
    cal = {"acc_h": MemberCalendar([], notice)}
    assert resolve(q, cal, NOW)[0].start == NOW + timedelta(minutes=90)


def test_resolve_slots_with_required_n():
    groups = (GroupSpec((MemberSpec("acc_a"), MemberSpec("acc_b")), 1),)
    cal = {
        "acc_a": MemberCalendar([(utc(2026, 12, 1, 9), utc(2026, 12, 1, 10))]),
        "acc_b": MemberCalendar([(utc(2026, 12, 1, 10), utc(2026, 12, 1, 11))]),
    }
    q = query(
        [(utc(2026, 12, 1, 9), utc(2026, 12, 1, 11))],
        "slots",
        groups=groups,
        duration=timedelta(hours=1),
    )
    assert [(r.start.hour, r.participants) for r in resolve(q, cal, NOW)] == [
        (9, ("acc_b",)),
        (10, ("acc_a",)),
    ]


def test_resolve_needs_every_calendar():
    with pytest.raises(KeyError):
        resolve(query([(utc(2026, 12, 1, 9), utc(2026, 12, 1, 11))]), {}, NOW)


def test_render_shapes():
    q = query([(utc(2026, 12, 1), utc(2026, 12, 2))])
    res = [Result(utc(2026, 12, 1, 9), utc(2026, 12, 1, 9, 30), ("acc_a", "acc_b"))]
    assert render(q, res) == {
        "available_periods": [
            {
                "start": "2026-12-01T09:00:00Z",
                "end": "2026-12-01T09:30:00Z",
                "participants": [{"sub": "acc_a"}, {"sub": "acc_b"}],
            }
        ]
    }
    for fmt in ("slots", "overlapping_slots"):
        assert list(render(query(q.query_periods, fmt), res)) == ["available_slots"]
    assert render(q, []) == {"available_periods": []}
