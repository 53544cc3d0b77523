"""Worked examples for the engine's documented decisions (the oracle covers the rest)."""

from datetime import UTC, datetime, timedelta

import pytest

from backend.availability.engine import (
    Group,
    Member,
    Result,
    default_start_interval,
    find_availability,
)

DAY = datetime(2026, 12, 1, tzinfo=UTC)  # a Tuesday
M = timedelta(minutes=1)


def t(hhmm: str, day: datetime = DAY) -> datetime:
    h, m = hhmm.split(":")
    return day + timedelta(hours=int(h), minutes=int(m))


def span(a: str, b: str):
    return (t(a), t(b))


def run(groups, periods=(("09:00", "17:00"),), minutes=30, **kw):
    return find_availability(
        groups, [span(a, b) for a, b in periods], duration=timedelta(minutes=minutes), **kw
    )


def short(results):
    return [(r.start.strftime("%H:%M"), r.end.strftime("%H:%M"), r.participants) for r in results]


def test_periods_are_the_free_stretches_for_one_member():
    host = Member("acc_h", [span("10:00", "11:00"), span("10:30", "12:00"), span("16:45", "18:00")])
    assert short(run([Group([host], "all")])) == [
        ("09:00", "10:00", ("acc_h",)),
        ("12:00", "16:45", ("acc_h",)),
    ]


def test_touching_busy_is_not_overlapping():
    host = Member("acc_h", [span("09:30", "10:00"), span("10:30", "11:00")])
    res = run(
        [Group([host], "all")], periods=[("09:00", "11:00")], response_format="overlapping_slots"
    )
    assert [r[0] for r in short(res)] == ["09:00", "10:00"]


def test_unsorted_overlapping_and_empty_busy():
    busy = [
        span("13:00", "14:00"),
        span("09:00", "09:00"),
        span("12:00", "13:30"),
        span("11:00", "10:00"),
    ]
    res = run([Group([Member("acc_h", busy)], "all")], periods=[("09:00", "15:00")])
    assert short(res) == [("09:00", "12:00", ("acc_h",)), ("14:00", "15:00", ("acc_h",))]


def test_buffers_apply_against_busy_only():
    # busy 12:00-13:00; before-buffer 15, after-buffer 30: a slot must end by 11:30 (its after
    # buffer) and start at 13:15 or later (its before buffer). Buffers may reach outside the query.
    host = Member("acc_h", [span("12:00", "13:00")])
    res = run(
        [Group([host], "all")],
        periods=[("11:00", "14:00")],
        buffer_before=timedelta(minutes=15),
        buffer_after=timedelta(minutes=30),
    )
    assert short(res) == [("11:00", "11:30", ("acc_h",)), ("13:15", "14:00", ("acc_h",))]
    res = run([Group([host], "all")], periods=[("09:00", "11:30")], buffer_after=30 * M)
    assert short(res) == [("09:00", "11:30", ("acc_h",))]


def test_busy_outside_the_query_still_blocks_through_buffers():
    host = Member("acc_h", [span("08:30", "09:00")])
    res = run([Group([host], "all")], periods=[("09:00", "10:00")], buffer_before=10 * M)
    assert short(res) == [("09:10", "10:00", ("acc_h",))]


def test_slots_default_interval_is_the_duration_and_grid_is_utc():
    host = Member("acc_h", [span("10:10", "10:20")])
    res = run([Group([host], "all")], periods=[("09:05", "12:00")], response_format="slots")
    assert [r[0] for r in short(res)] == ["09:30", "10:30", "11:00", "11:30"]


def test_grid_is_counted_from_the_epoch_not_the_period_start():
    res = run(
        [Group([Member("acc_h", [])], "all")],
        periods=[("09:07", "11:00")],
        minutes=20,
        start_interval=45 * M,
        response_format="overlapping_slots",
    )
    # 45-minute multiples since 1970-01-01T00:00Z: ..., 09:00, 09:45, 10:30, ...
    assert [r[0] for r in short(res)] == ["09:45", "10:30"]


def test_odd_duration_default_grid():
    assert default_start_interval(25 * M) == 5 * M
    assert default_start_interval(45 * M) == 45 * M
    assert default_start_interval(7 * M) == M
    assert default_start_interval(100 * M) == 20 * M
    assert default_start_interval(90 * M) == 90 * M


def test_slots_do_not_overlap_overlapping_slots_do():
    host = [Group([Member("acc_h", [])], "all")]
    kw = {"periods": [("09:00", "10:30")], "minutes": 45, "start_interval": 15 * M}
    slots = short(run(host, response_format="slots", **kw))
    assert [(a, b) for a, b, _ in slots] == [("09:00", "09:45"), ("09:45", "10:30")]
    overlapping = short(run(host, response_format="overlapping_slots", **kw))
    assert [a for a, _, _ in overlapping] == ["09:00", "09:15", "09:30", "09:45"]


def test_slots_restart_on_the_grid_after_a_gap():
    host = Member("acc_h", [span("09:40", "09:50")])
    res = run(
        [Group([host], "all")],
        periods=[("09:00", "11:00")],
        start_interval=15 * M,
        response_format="slots",
    )
    assert [r[0] for r in short(res)] == ["09:00", "10:00", "10:30"]


def test_required_n_lists_every_free_member_and_can_change_per_slot():
    a = Member("acc_a", [span("09:00", "10:00")])
    b = Member("acc_b", [span("10:00", "11:00")])
    c = Member("acc_c", [])
    res = run(
        [Group([a, b, c], 2)], periods=[("09:00", "11:00")], minutes=60, response_format="slots"
    )
    assert short(res) == [
        ("09:00", "10:00", ("acc_b", "acc_c")),
        ("10:00", "11:00", ("acc_a", "acc_c")),
    ]


def test_every_group_must_be_satisfied():
    host = Member("acc_h", [span("09:00", "10:00")])
    rooms = [Member("res_1", [span("09:00", "11:00")]), Member("res_2", [span("10:30", "12:00")])]
    res = run([Group([host], "all"), Group(rooms, 1)], periods=[("09:00", "12:00")])
    assert short(res) == [
        ("10:00", "10:30", ("acc_h", "res_2")),
        ("11:00", "12:00", ("acc_h", "res_1")),
    ]


def test_periods_with_required_n_are_maximal_and_may_overlap():
    # one of a, b: a is free 09-11, b 10-12. A 90-minute meeting fits with a alone or b alone.
    a = Member("acc_a", [span("11:00", "12:00")])
    b = Member("acc_b", [span("09:00", "10:00")])
    res = run([Group([a, b], 1)], periods=[("09:00", "12:00")], minutes=90)
    assert short(res) == [("09:00", "11:00", ("acc_a",)), ("10:00", "12:00", ("acc_b",))]


def test_periods_keep_going_when_extra_members_come_and_go():
    # one of a, b; a is free all morning, b only 10-11: one period, listing a only
    a = Member("acc_a", [])
    b = Member("acc_b", [span("09:00", "10:00"), span("11:00", "12:00")])
    res = run([Group([a, b], 1)], periods=[("09:00", "12:00")], minutes=90)
    assert short(res) == [("09:00", "12:00", ("acc_a",))]


def test_periods_with_start_interval_start_on_the_grid():
    host = Member("acc_h", [span("09:00", "09:10")])
    res = run([Group([host], "all")], periods=[("09:00", "10:00")], start_interval=15 * M)
    assert short(res) == [("09:15", "10:00", ("acc_h",))]


def test_available_periods_restrict_a_member():
    host = Member("acc_h", [], available=[span("08:00", "09:30"), span("09:30", "10:00")])
    res = run([Group([host], "all")])
    assert short(res) == [("09:00", "10:00", ("acc_h",))]


def test_query_periods_merge_when_touching():
    res = run(
        [Group([Member("acc_h", [])], "all")], periods=[("09:00", "09:20"), ("09:20", "09:40")]
    )
    assert short(res) == [("09:00", "09:40", ("acc_h",))]


def test_max_results_caps_every_format():
    g = [Group([Member("acc_h", [])], "all")]
    assert len(run(g, response_format="overlapping_slots", max_results=3)) == 3
    assert len(run(g, response_format="slots", max_results=2)) == 2
    assert len(run(g, periods=[("09:00", "10:00"), ("11:00", "12:00")], max_results=1)) == 1
    assert run(g, max_results=0) == []


def test_sub_second_busy_rounds_outward_and_periods_inward():
    half = timedelta(milliseconds=500)
    host = Member("acc_h", [(t("10:00") - half, t("10:30") + half)])
    res = run([Group([host], "all")], periods=[("09:00", "11:00")], minutes=29)
    second = timedelta(seconds=1)
    assert [(r.start, r.end) for r in res] == [
        (t("09:00"), t("10:00") - second),
        (t("10:30") + second, t("11:00")),
    ]


def test_same_sub_in_two_groups_is_listed_once():
    res = run([Group([Member("acc_h", [])], "all"), Group([Member("acc_h", [])], 1)])
    assert res == [Result(t("09:00"), t("17:00"), ("acc_h",))]


def test_results_are_utc_datetimes():
    (res,) = run([Group([Member("acc_h", [])], "all")])
    assert res.start.tzinfo is UTC and res.end.tzinfo is UTC


def test_empty_inputs():
    assert run([]) == []
    assert run([Group([Member("acc_h", [])], "all")], periods=[]) == []


@pytest.mark.parametrize(
    "kw",
    [
        {"minutes": 0},
        {"response_format": "blocks"},
        {"start_interval": timedelta(0)},
        {"buffer_before": -M},
        {"max_results": -1},
        {"start_interval": timedelta(seconds=0.5)},
    ],
)
def test_bad_arguments_raise(kw):
    with pytest.raises(ValueError):
        run([Group([Member("acc_h", [])], "all")], **kw)


@pytest.mark.parametrize("required", [0, 3, "some", True])
def test_bad_required_raises(required):
    with pytest.raises(ValueError):
        run([Group([Member("acc_a", []), Member("acc_b", [])], required)])


def test_busy_must_be_pairs():
    with pytest.raises(ValueError):
        run([Group([Member("acc_h", [(t("09:00"),)])], "all")])


def test_naive_datetimes_raise():
    naive = datetime(2026, 12, 1, 10)
    with pytest.raises(ValueError):
        run([Group([Member("acc_h", [(naive, naive + M)])], "all")])
    with pytest.raises(ValueError):
        find_availability([Group([Member("acc_h", [])], "all")], [(naive, naive + M)], duration=M)
