"""The sequenced availability example in docs/api.md is what the code answers."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from backend.availability import (
    MemberCalendar,
    default_rule,
    parse_sequence,
    render_sequences,
    resolve_sequence,
)

DOC = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
SECTION = DOC.split("## POST /v1/sequenced_availability", 1)[1].split("\n## ", 1)[0]
GRACE, ANA = "acc_tg2tmeparoxoqgvpue3pus3zki", "acc_5m3xq2bn7kd4wyhz6rjc4tfa3e"


def utc(h, m=0):
    return datetime(2027, 1, 12, h, m, tzinfo=UTC)


def test_worked_example():
    # The doc's placeholders (docs/examples.md), as the day and the accounts its answer shows.
    written = re.search(r"-d '(.*?)'", SECTION, re.S)[1]
    for placeholder, value in (
        ("{{tuesday}}", "2027-01-12"),
        ("{{sub}}", GRACE),
        ("{{colleague_sub}}", ANA),
    ):
        written = written.replace(placeholder, value)
    request = json.loads(written)
    labelled = r"```json response name=sequenced-response\n(.*?)```"
    response = json.loads(re.search(labelled, SECTION, re.S)[1])
    now = datetime(2027, 1, 11, 12, tzinfo=UTC)
    query = parse_sequence(request, now=now)
    rule = default_rule("Europe/London")
    calendars = {
        (GRACE, None): MemberCalendar([(utc(9), utc(9, 45))], rule),
        (ANA, None): MemberCalendar([(utc(10), utc(11))], rule),
    }
    assert render_sequences(resolve_sequence(query, calendars, now)) == response
