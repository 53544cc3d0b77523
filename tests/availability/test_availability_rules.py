"""Working-hours rules: parsing (every 422), round trips, and DST-correct expansion."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.availability.rules import (
    DAYS,
    DEFAULT_RULE,
    END_OF_DAY,
    AvailabilityRule,
    RuleError,
    WeeklyPeriod,
    default_rule,
    parse_rule,
    rule_intervals,
    rule_to_dict,
)

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rule(tzid, hours, days=DAYS, **kw) -> AvailabilityRule:
    return AvailabilityRule(
        tzid, tuple(WeeklyPeriod(d, s, e) for d in days for s, e in hours), **kw
    )


def spans(r, start, end, now=LONG_AGO):
    return rule_intervals(r, start, end, now)


NINE_TO_FIVE = [(time(9), time(17))]
ALL_DAY = [(time(0), END_OF_DAY)]


# ---- DST: 09:00 stays 09:00, days are 23 or 25 hours long ---------------------------------


def test_london_spring_forward_keeps_local_hours():
    assert spans(rule("Europe/London", NINE_TO_FIVE), utc(2026, 3, 28), utc(2026, 3, 31)) == [
        (utc(2026, 3, 28, 9), utc(2026, 3, 28, 17)),  # GMT
        (utc(2026, 3, 29, 8), utc(2026, 3, 29, 16)),  # BST from 29 March
        (utc(2026, 3, 30, 8), utc(2026, 3, 30, 16)),
    ]


def test_london_fall_back_keeps_local_hours():
    assert spans(rule("Europe/London", NINE_TO_FIVE), utc(2026, 10, 24), utc(2026, 10, 26)) == [
        (utc(2026, 10, 24, 8), utc(2026, 10, 24, 16)),
        (utc(2026, 10, 25, 9), utc(2026, 10, 25, 17)),
    ]


def test_new_york_both_change_days():
    r = rule("America/New_York", NINE_TO_FIVE)
    assert spans(r, utc(2026, 3, 7), utc(2026, 3, 9)) == [
        (utc(2026, 3, 7, 14), utc(2026, 3, 7, 22)),  # EST
        (utc(2026, 3, 8, 13), utc(2026, 3, 8, 21)),  # EDT
    ]
    assert spans(r, utc(2026, 10, 31), utc(2026, 11, 2)) == [
        (utc(2026, 10, 31, 13), utc(2026, 10, 31, 21)),
        (utc(2026, 11, 1, 14), utc(2026, 11, 1, 22)),
    ]


@pytest.mark.parametrize(
    ("tzid", "day", "hours"),
    [
        ("Europe/London", date(2026, 3, 29), 23),
        ("Europe/London", date(2026, 10, 25), 25),
        ("America/New_York", date(2026, 3, 8), 23),
        ("America/New_York", date(2026, 11, 1), 25),
        ("Australia/Lord_Howe", date(2026, 10, 4), 23.5),  # half-hour shift
        ("Australia/Lord_Howe", date(2026, 4, 5), 24.5),
        ("Europe/London", date(2026, 7, 5), 24),
    ],
)
def test_a_whole_local_day_lasts_as_long_as_the_clock_says(tzid, day, hours):
    r = rule(tzid, ALL_DAY, days=["sunday"])
    (only,) = spans(r, utc(day.year, day.month, day.day) - timedelta(days=2), utc(2027, 1, 1))[:1]
    assert only[1] - only[0] == timedelta(hours=hours)


def test_nonexistent_times_move_forward_by_the_gap():
    # London 29 March 2026: 01:00-02:00 does not exist
    r = rule("Europe/London", [(time(0, 30), time(1, 30))], days=["sunday"])
    assert spans(r, utc(2026, 3, 29), utc(2026, 3, 30)) == [
        (utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30))  # 00:30 GMT .. 02:30 BST
    ]
    inside = rule("Europe/London", [(time(1), time(2))], days=["sunday"])
    assert spans(inside, utc(2026, 3, 29), utc(2026, 3, 30)) == []  # both ends are 02:00 BST
    # New York 8 March 2026: 02:30 is 03:30 EDT, so 02:30-03:30 is empty and 02:00-04:00 one hour
    ny = rule("America/New_York", [(time(2, 30), time(3, 30))], days=["sunday"])
    assert spans(ny, utc(2026, 3, 8), utc(2026, 3, 9)) == []
    ny = rule("America/New_York", [(time(2), time(4))], days=["sunday"])
    assert spans(ny, utc(2026, 3, 8), utc(2026, 3, 9)) == [(utc(2026, 3, 8, 7), utc(2026, 3, 8, 8))]
    # Lord Howe 4 October 2026: 02:00-02:30 does not exist (+10:30 -> +11:00)
    lh = rule("Australia/Lord_Howe", [(time(2), time(3))], days=["sunday"])
    assert spans(lh, utc(2026, 10, 3), utc(2026, 10, 4)) == [
        (utc(2026, 10, 3, 15, 30), utc(2026, 10, 3, 16))
    ]


def test_ambiguous_times_mean_their_first_occurrence():
    r = rule("Europe/London", [(time(1), time(2))], days=["sunday"])
    # 01:00 BST (00:00Z) to 02:00 GMT (02:00Z): the wall clock shows 01:xx for two hours
    assert spans(r, utc(2026, 10, 25), utc(2026, 10, 26)) == [
        (utc(2026, 10, 25, 0), utc(2026, 10, 25, 2))
    ]
    ny = rule("America/New_York", [(time(1, 30), time(2, 30))], days=["sunday"])
    assert spans(ny, utc(2026, 11, 1), utc(2026, 11, 2)) == [
        (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 7, 30))
    ]
    lh = rule("Australia/Lord_Howe", [(time(1, 45), time(2))], days=["sunday"])
    assert spans(lh, utc(2026, 4, 4), utc(2026, 4, 5)) == [
        (utc(2026, 4, 4, 14, 45), utc(2026, 4, 4, 15, 30))  # 01:45 +11:00 .. 02:00 +10:30
    ]


def test_rule_in_one_zone_queried_from_another():
    ny = rule("America/New_York", NINE_TO_FIVE, days=DAYS[:5])
    # Monday 9 March 2026 as a London day: New York is already on EDT, London not yet on BST
    assert spans(ny, utc(2026, 3, 9), utc(2026, 3, 10)) == [
        (utc(2026, 3, 9, 13), utc(2026, 3, 9, 21))
    ]
    tokyo = rule("Asia/Tokyo", NINE_TO_FIVE, days=DAYS[:5])
    # Monday 7 December 2026 as a New York day (05:00Z..05:00Z) covers two Tokyo workdays
    assert spans(tokyo, utc(2026, 12, 7, 5), utc(2026, 12, 8, 5)) == [
        (utc(2026, 12, 7, 5), utc(2026, 12, 7, 8)),
        (utc(2026, 12, 8, 0), utc(2026, 12, 8, 5)),
    ]


def test_min_notice_is_elapsed_time_even_across_a_dst_change():
    r = rule("America/New_York", NINE_TO_FIVE, min_notice_minutes=24 * 60)
    now = utc(2026, 3, 7, 17)  # Saturday 12:00 EST
    # 24 hours later is Sunday 13:00 EDT (17:00Z), not 12:00
    assert spans(r, utc(2026, 3, 8), utc(2026, 3, 9), now) == [
        (utc(2026, 3, 8, 17), utc(2026, 3, 8, 21))
    ]


def test_max_days_ahead_ends_at_local_midnight():
    r = rule("Europe/London", ALL_DAY, max_days_ahead=1)
    now = utc(2026, 10, 24, 9)  # Saturday 10:00 BST
    assert spans(r, utc(2026, 10, 20), utc(2026, 11, 1), now) == [
        (now, utc(2026, 10, 26, 0))  # end of Sunday 25 October, GMT
    ]
    today_only = rule("Europe/London", ALL_DAY, max_days_ahead=0)
    assert spans(today_only, utc(2026, 10, 20), utc(2026, 11, 1), now) == [
        (now, utc(2026, 10, 24, 23))  # midnight BST
    ]


def test_date_overrides_replace_a_day():
    r = rule(
        "Europe/London",
        NINE_TO_FIVE,
        days=DAYS[:5],
        date_overrides={
            date(2026, 12, 24): ((time(9), time(12)),),
            date(2026, 12, 25): (),  # day off
            date(2026, 12, 26): ((time(10), time(11)), (time(14), time(15))),  # a Saturday
            date(2026, 3, 29): ((time(10), time(11)),),  # a Sunday, on BST
        },
    )
    assert spans(r, utc(2026, 12, 24), utc(2026, 12, 27)) == [
        (utc(2026, 12, 24, 9), utc(2026, 12, 24, 12)),
        (utc(2026, 12, 26, 10), utc(2026, 12, 26, 11)),
        (utc(2026, 12, 26, 14), utc(2026, 12, 26, 15)),
    ]
    assert spans(r, utc(2026, 3, 29), utc(2026, 3, 30)) == [
        (utc(2026, 3, 29, 9), utc(2026, 3, 29, 10))
    ]


def test_overlapping_and_overnight_hours_merge():
    r = AvailabilityRule(
        "UTC",
        (
            WeeklyPeriod("monday", time(20), END_OF_DAY),
            WeeklyPeriod("tuesday", time(0), time(2)),
            WeeklyPeriod("tuesday", time(1), time(3)),
        ),
    )
    assert spans(r, utc(2026, 11, 30), utc(2026, 12, 2)) == [
        (utc(2026, 11, 30, 20), utc(2026, 12, 1, 3))
    ]


def test_clipping_to_the_window():
    r = rule("UTC", NINE_TO_FIVE)
    assert spans(r, utc(2026, 12, 1, 10, 30), utc(2026, 12, 1, 12)) == [
        (utc(2026, 12, 1, 10, 30), utc(2026, 12, 1, 12))
    ]
    assert spans(r, utc(2026, 12, 1, 18), utc(2026, 12, 1, 19)) == []


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        spans(DEFAULT_RULE, datetime(2026, 12, 1), utc(2026, 12, 2))


def test_default_rule_is_weekdays_nine_to_five():
    r = default_rule("Europe/Berlin")
    got = spans(r, utc(2026, 11, 30), utc(2026, 12, 7))  # Monday .. Sunday
    assert len(got) == 5 and got[0] == (utc(2026, 11, 30, 8), utc(2026, 11, 30, 16))
    assert DEFAULT_RULE.tzid == "UTC"


# ---- parse_rule / rule_to_dict ------------------------------------------------------------

GOOD = {
    "availability_rule_id": "work",
    "tzid": "Europe/London",
    "weekly_periods": [
        {"day": "monday", "start_time": "09:00", "end_time": "12:30"},
        {"day": "monday", "start_time": "13:30", "end_time": "17:00"},
        {"day": "friday", "start_time": "20:00", "end_time": "24:00"},
    ],
    "date_overrides": [
        {"date": "2026-12-24", "periods": [{"start_time": "09:00", "end_time": "12:00"}]},
        {"date": "2026-12-25", "periods": []},
    ],
    "min_notice_minutes": 240,
    "max_days_ahead": 60,
    "buffer": {"before": 10, "after": 5},
}


def test_parse_rule_reads_everything():
    r = parse_rule(GOOD)
    assert r.tzid == "Europe/London" and r.availability_rule_id == "work"
    assert r.weekly_periods[2] == WeeklyPeriod("friday", time(20), END_OF_DAY)
    assert r.date_overrides == {date(2026, 12, 24): ((time(9), time(12)),), date(2026, 12, 25): ()}
    assert (r.min_notice_minutes, r.max_days_ahead) == (240, 60)
    assert (r.buffer_before_minutes, r.buffer_after_minutes) == (10, 5)
    assert rule_to_dict(r) == GOOD


def test_parse_rule_defaults_and_cronofy_minimum():
    r = parse_rule({"tzid": "UTC", "weekly_periods": []})
    assert r == AvailabilityRule("UTC", ())
    assert parse_rule(
        {
            "tzid": "UTC",
            "weekly_periods": [{"day": "Monday", "start_time": "22:00", "end_time": "00:00"}],
        }
    ).weekly_periods == (WeeklyPeriod("monday", time(22), END_OF_DAY),)
    r = parse_rule({"tzid": "UTC", "weekly_periods": [], "buffer": {"before": {"minutes": 15}}})
    assert r.buffer_before_minutes == 15


def test_default_rule_round_trips():
    r = default_rule("America/New_York")
    assert parse_rule(rule_to_dict(r)) == r


hhmm = st.integers(0, 23 * 60 + 58).map(lambda m: time(m // 60, m % 60))


@st.composite
def rules(draw):
    def period(draw_):
        start = draw_(hhmm)
        later = st.integers(start.hour * 60 + start.minute + 1, 24 * 60)
        end = draw_(later.map(lambda m: END_OF_DAY if m == 1440 else time(m // 60, m % 60)))
        return start, end

    weekly = tuple(
        WeeklyPeriod(draw(st.sampled_from(DAYS)), *period(draw))
        for _ in range(draw(st.integers(0, 6)))
    )
    days = draw(st.lists(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=4, unique=True))
    overrides = {d: tuple(period(draw) for _ in range(draw(st.integers(0, 2)))) for d in days}
    return AvailabilityRule(
        tzid=draw(st.sampled_from(["UTC", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"])),
        weekly_periods=weekly,
        date_overrides=overrides,
        min_notice_minutes=draw(st.integers(0, 10_000)),
        max_days_ahead=draw(st.none() | st.integers(0, 365)),
        buffer_before_minutes=draw(st.integers(0, 1440)),
        buffer_after_minutes=draw(st.integers(0, 1440)),
        availability_rule_id=draw(st.text(min_size=1, max_size=20)),
    )


@settings(max_examples=200, deadline=None)
@given(rules())
def test_rule_to_dict_round_trips(r):
    assert parse_rule(rule_to_dict(r)) == r


def bad(**changes):
    data = {k: v for k, v in GOOD.items() if k not in changes or changes[k] is not ...}
    data.update({k: v for k, v in changes.items() if v is not ...})
    return data


@pytest.mark.parametrize(
    ("data", "field", "key"),
    [
        ([], "body", "errors.invalid"),
        (bad(availability_rule_id=""), "availability_rule_id", "errors.invalid"),
        (bad(availability_rule_id=7), "availability_rule_id", "errors.invalid"),
        (bad(tzid=...), "tzid", "errors.required"),
        (bad(tzid="Mars/Olympus_Mons"), "tzid", "errors.invalid"),
        (bad(tzid="localtime"), "tzid", "errors.invalid"),
        (bad(tzid="../../etc/passwd"), "tzid", "errors.invalid"),
        (bad(tzid=5), "tzid", "errors.invalid"),
        (bad(weekly_periods=...), "weekly_periods", "errors.required"),
        (bad(weekly_periods={"day": "monday"}), "weekly_periods", "errors.invalid"),
        (
            bad(weekly_periods=[GOOD["weekly_periods"][0]] * 101),
            "weekly_periods",
            "errors.too_many",
        ),
        (bad(weekly_periods=["monday"]), "weekly_periods[0]", "errors.invalid"),
        (
            bad(weekly_periods=[{"day": "mon", "start_time": "09:00", "end_time": "17:00"}]),
            "weekly_periods[0].day",
            "errors.invalid",
        ),
        (
            bad(weekly_periods=[{"start_time": "09:00", "end_time": "17:00"}]),
            "weekly_periods[0].day",
            "errors.invalid",
        ),
        (
            bad(weekly_periods=[{"day": "monday", "start_time": "9:00", "end_time": "17:00"}]),
            "weekly_periods[0].start_time",
            "errors.invalid",
        ),
        (
            bad(weekly_periods=[{"day": "monday", "start_time": "24:00", "end_time": "24:00"}]),
            "weekly_periods[0].start_time",
            "errors.invalid",
        ),
        (
            bad(weekly_periods=[{"day": "monday", "start_time": "09:60", "end_time": "17:00"}]),
            "weekly_periods[0].start_time",
            "errors.invalid",
        ),
        (
            bad(weekly_periods=[{"day": "monday", "start_time": "09:00"}]),
            "weekly_periods[0].end_time",
            "errors.invalid",
        ),
        (
            bad(weekly_periods=[{"day": "monday", "start_time": "09:00", "end_time": "24:30"}]),
            "weekly_periods[0].end_time",
            "errors.invalid",
        ),
        (
            bad(weekly_periods=[{"day": "monday", "start_time": "17:00", "end_time": "09:00"}]),
            "weekly_periods[0].end_time",
            "errors.invalid",
        ),
        (
            bad(weekly_periods=[{"day": "monday", "start_time": "09:00", "end_time": "09:00"}]),
            "weekly_periods[0].end_time",
            "errors.invalid",
        ),
        (bad(date_overrides={}), "date_overrides", "errors.invalid"),
        (
            bad(date_overrides=[{"date": "2026-01-01", "periods": []}] * 401),
            "date_overrides",
            "errors.too_many",
        ),
        (
            bad(date_overrides=[{"date": "2026-02-30", "periods": []}]),
            "date_overrides[0].date",
            "errors.invalid",
        ),
        (
            bad(date_overrides=[{"date": "tomorrow", "periods": []}]),
            "date_overrides[0].date",
            "errors.invalid",
        ),
        (bad(date_overrides=[{"periods": []}]), "date_overrides[0].date", "errors.invalid"),
        (
            bad(date_overrides=[{"date": "2026-12-24", "periods": []}] * 2),
            "date_overrides[1].date",
            "errors.invalid",
        ),
        (
            bad(date_overrides=[{"date": "2026-12-24"}]),
            "date_overrides[0].periods",
            "errors.invalid",
        ),
        (
            bad(
                date_overrides=[
                    {
                        "date": "2026-12-24",
                        "periods": [{"start_time": "09:00", "end_time": "10:00"}] * 21,
                    }
                ]
            ),
            "date_overrides[0].periods",
            "errors.invalid",
        ),
        (
            bad(
                date_overrides=[
                    {
                        "date": "2026-12-24",
                        "periods": [{"start_time": "11:00", "end_time": "10:00"}],
                    }
                ]
            ),
            "date_overrides[0].periods[0].end_time",
            "errors.invalid",
        ),
        (bad(min_notice_minutes=-1), "min_notice_minutes", "errors.invalid"),
        (bad(min_notice_minutes=True), "min_notice_minutes", "errors.invalid"),
        (bad(min_notice_minutes="60"), "min_notice_minutes", "errors.invalid"),
        (bad(min_notice_minutes=366 * 1440 + 1), "min_notice_minutes", "errors.invalid"),
        (bad(max_days_ahead=-1), "max_days_ahead", "errors.invalid"),
        (bad(max_days_ahead=1.5), "max_days_ahead", "errors.invalid"),
        (bad(buffer=10), "buffer", "errors.invalid"),
        (bad(buffer={"before": -5}), "buffer.before", "errors.invalid"),
        (bad(buffer={"after": 1441}), "buffer.after", "errors.invalid"),
        (bad(buffer={"after": {"mins": 5}}), "buffer.after", "errors.invalid"),
    ],
)
def test_parse_rule_errors(data, field, key):
    with pytest.raises(RuleError) as exc:
        parse_rule(data)
    assert key in [e["key"] for e in exc.value.errors[field]], exc.value.errors
    assert all(e["description"] for errs in exc.value.errors.values() for e in errs)


def test_parse_rule_reports_every_error_at_once():
    with pytest.raises(RuleError) as exc:
        parse_rule(
            {"tzid": "Nowhere/Land", "weekly_periods": [{"day": "funday"}], "max_days_ahead": -3}
        )
    assert set(exc.value.errors) >= {
        "tzid",
        "weekly_periods[0].day",
        "weekly_periods[0].start_time",
        "weekly_periods[0].end_time",
        "max_days_ahead",
    }
