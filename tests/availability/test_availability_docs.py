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
# ```json name=request-1 …: the blocks' labels (docs/examples.md)
LABELLED = r"```json name=(\S+)[^\n]*\n(?:HTTP/1.1 [^\n]*\n)?(.*?)```"
# The requests' placeholders (docs/examples.md), as the accounts and the day the answers show.
AS_ANSWERED = {
    "{{sub}}": "acc_host",
    "{{colleague_sub}}": "acc_ana",
    "{{other_colleague_sub}}": "acc_ben",
    "{{tuesday}}": "2026-12-01",
}


def _as_answered(text: str) -> str:
    for placeholder, value in AS_ANSWERED.items():
        text = text.replace(placeholder, value)
    return text


BLOCKS = {
    m[1]: json.loads(_as_answered(m[2])) for m in re.finditer(LABELLED, DOC.read_text(), re.S)
}


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
