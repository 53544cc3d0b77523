"""The examples in docs/availability.md are what the code answers."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend.availability import (
    MemberCalendar,
    QueryError,
    default_rule,
    parse_query,
    render,
    resolve,
)
from backend.core.validation import dotted

DOC = Path(__file__).resolve().parents[2] / "docs" / "availability.md"
BLOCKS = dict(
    (m[1], json.loads(m[2])) for m in re.finditer(r"```json (\S+)\n(.*?)```", DOC.read_text(), re.S)
)


def utc(h, m=0):
    return datetime(2026, 12, 1, h, m, tzinfo=UTC)


# the calendars the worked example describes
CALENDARS = {
    "acc_host": MemberCalendar([(utc(11), utc(11, 30))], default_rule("Europe/London")),
    "acc_ana": MemberCalendar([(utc(9), utc(10))]),
    "acc_ben": MemberCalendar([(utc(12), utc(14))]),
}
THE_DAY_BEFORE = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.mark.parametrize("n", ["1", "2"])
def test_worked_examples(n):
    query = parse_query(BLOCKS[f"request-{n}"])
    assert render(query, resolve(query, CALENDARS, THE_DAY_BEFORE)) == BLOCKS[f"response-{n}"]


def test_error_example():
    with pytest.raises(QueryError) as exc:
        parse_query(BLOCKS["request-3"])
    # The doc shows what the API answers: the same errors with dotted paths.
    assert {"errors": dotted(exc.value.errors)} == BLOCKS["response-3"]
