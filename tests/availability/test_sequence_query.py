"""parse_sequence: every field validated, Cronofy-style errors keyed by field path."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from backend.availability import QueryError, parse_sequence
from backend.availability.sequence import Gap

NOW = datetime(2027, 1, 4, 8, tzinfo=UTC)


def body(**root):
    step = {
        "sequence_id": "first",
        "ordinal": 1,
        "participants": [{"members": [{"sub": "acc_a"}]}],
        "required_duration": {"minutes": 60},
    }
    second = {
        "sequence_id": "second",
        "ordinal": 2,
        "participants": [{"members": [{"sub": "acc_b", "calendar_ids": ["cal_1"]}]}],
        "required_duration": {"minutes": 30},
        "start_interval": {"minutes": 15},
        "buffer": {"before": {"minutes": 10, "minimum": {"minutes": 15}, "maximum": 120}},
    }
    out = {
        "query_periods": [{"start": "2027-01-05T09:00:00Z", "end": "2027-01-05T17:00:00Z"}],
        "sequence": [second, step],
    }
    out.update(root)
    return out


def errors_of(data) -> dict:
    with pytest.raises(QueryError) as exc:
        parse_sequence(data, now=NOW)
    return exc.value.errors


def test_a_valid_body_parses_in_ordinal_order():
    q = parse_sequence(body(max_results=5), now=NOW)
    assert [s.sequence_id for s in q.steps] == ["first", "second"]
    assert [s.index for s in q.steps] == [1, 0]
    assert q.max_results == 5
    second = q.steps[1]
    assert second.before == Gap(10, 15, 120)
    assert second.start_interval == timedelta(minutes=15)
    assert second.calendar_ids == ((("cal_1",),),)
    assert q.gap(0) == (15 * 60, 120 * 60)
    assert q.calendar_keys() == {("acc_a", None), ("acc_b", ("cal_1",))}


def test_available_periods_is_the_legacy_alias():
    data = body()
    data["available_periods"] = data.pop("query_periods")
    assert parse_sequence(data, now=NOW).query_periods


def test_default_max_results():
    assert parse_sequence(body(), now=NOW).max_results == 20


def mutate(path, value):
    """A valid body with the value at `path` (keys and list indexes) set, or removed."""
    data = body()
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = copy.deepcopy(value)
    return data


S0 = ("sequence", 0)
B0 = ("sequence", 0, "buffer", "before")
PERIOD = {"start": "2027-01-05T09:00:00Z", "end": "2027-01-05T10:00:00Z"}
CASES = [
    (("sequence",), KeyError, "sequence", "required"),
    (("sequence",), [], "sequence", "invalid"),
    (("sequence",), "x", "sequence", "invalid"),
    (("sequence",), [{"ordinal": k} for k in range(11)], "sequence", "too_many"),
    (("sequence", 0), 7, "sequence[0]", "invalid"),
    (("sequence", 0, "sequence_id"), KeyError, "sequence[0].sequence_id", "required"),
    (("sequence", 0, "sequence_id"), "", "sequence[0].sequence_id", "invalid"),
    (("sequence", 0, "sequence_id"), "first", "sequence[1].sequence_id", "duplicate"),
    (("sequence", 0, "ordinal"), KeyError, "sequence[0].ordinal", "required"),
    (("sequence", 0, "ordinal"), "2", "sequence[0].ordinal", "invalid"),
    (("sequence", 0, "ordinal"), True, "sequence[0].ordinal", "invalid"),
    (("sequence", 0, "ordinal"), 1, "sequence[1].ordinal", "duplicate"),
    (("sequence", 0, "ordinal"), 3, "sequence", "missing_steps"),
    (("sequence", 0, "participants"), KeyError, "sequence[0].participants", "required"),
    (("sequence", 0, "participants"), [], "sequence[0].participants", "invalid"),
    (
        ("sequence", 0, "participants", 0, "members", 0, "sub"),
        KeyError,
        "sequence[0].participants[0].members[0].sub",
        "required",
    ),
    (
        ("sequence", 0, "participants", 0, "required"),
        2,
        "sequence[0].participants[0].required",
        "invalid",
    ),
    (
        ("sequence", 0, "participants", 0, "members", 0, "calendar_ids"),
        [],
        "sequence[0].participants[0].members[0].calendar_ids",
        "invalid",
    ),
    (
        ("sequence", 0, "participants", 0, "members", 0, "calendar_ids"),
        [7],
        "sequence[0].participants[0].members[0].calendar_ids",
        "invalid",
    ),
    (
        ("sequence", 0, "participants", 0, "members", 0, "available_periods"),
        [{"start": "2027-01-05T09:00:00Z", "end": "2027-01-05T08:00:00Z"}],
        "sequence[0].participants[0].members[0].available_periods[0].end",
        "invalid",
    ),
    (("sequence", 0, "required_duration"), KeyError, "sequence[0].required_duration", "required"),
    ((*S0, "required_duration"), {"minutes": 0}, "sequence[0].required_duration", "invalid"),
    (("sequence", 0, "start_interval"), {"minutes": 7}, "sequence[0].start_interval", "invalid"),
    (("sequence", 0, "buffer"), [], "sequence[0].buffer", "invalid"),
    (("sequence", 0, "buffer", "before"), "x", "sequence[0].buffer.before", "invalid"),
    ((*B0, "minutes"), -1, "sequence[0].buffer.before.minutes", "invalid"),
    ((*B0, "minimum"), {"m": 1}, "sequence[0].buffer.before.minimum", "invalid"),
    ((*B0, "maximum"), 10, "sequence[0].buffer.before.maximum", "invalid"),
    ((*B0, "maximum"), 99999, "sequence[0].buffer.before.maximum", "invalid"),
    ((*B0, "extra"), 1, "sequence[0].buffer.before", "invalid"),
    (("sequence", 0, "available_periods"), [], "sequence[0].available_periods", "invalid"),
    (
        ("sequence", 0, "available_periods"),
        [{"start": "2027-01-01T09:00:00Z", "end": "2027-01-01T10:00:00Z"}],
        "sequence[0].available_periods[0].end",
        "past",
    ),
    (("sequence", 0, "event"), "x", "sequence[0].event", "invalid"),
    (("query_periods",), KeyError, "query_periods", "required"),
    (("query_periods",), [], "query_periods", "invalid"),
    (("query_periods",), [PERIOD] * 51, "query_periods", "too_many"),
    (("query_periods", 0, "start"), "tomorrow", "query_periods[0].start", "invalid"),
    (("query_periods", 0, "end"), "2027-03-05T10:00:00Z", "query_periods", "too_long"),
    (
        ("query_periods",),
        [{"start": "2027-01-04T06:00:00Z", "end": "2027-01-04T08:00:00Z"}],
        "query_periods[0].end",
        "past",
    ),
    (("available_periods",), [PERIOD], "available_periods", "invalid"),
    (("max_results",), 0, "max_results", "invalid"),
    (("max_results",), 257, "max_results", "invalid"),
    (("max_results",), "5", "max_results", "invalid"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "field", "key"), CASES)
def test_validation(path, value, field, key):
    errors = errors_of(mutate(path, value))
    assert field in errors, errors
    assert f"errors.{key}" in [e["key"] for e in errors[field]]
    assert all(e["description"] for items in errors.values() for e in items)


def test_not_an_object():
    assert "body" in errors_of([1])


def test_a_period_that_began_but_has_not_ended_is_fine():
    data = body(query_periods=[{"start": "2027-01-04T07:00:00Z", "end": "2027-01-04T09:00:00Z"}])
    assert parse_sequence(data, now=NOW).query_periods
