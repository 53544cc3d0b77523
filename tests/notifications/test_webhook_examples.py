"""docs/webhooks.md shows what is really sent: every JSON example body in it has the keys and
value types of a real delivery, captured by a real receiver from a real flow (a booking made
on the page with a note, its join link assigned, rescheduled and cancelled through the
invitee's own URLs taken from the notifications, a link disabled). An example may leave keys
out only where it says so with `"…": "…"`. Also: a host app gets the join link without polling,
and the invitee's URLs go to channels only, never to event subscriptions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import create_link, form_fields, path_of
from standardwebhooks import Webhook
from webhook_receiver import Receiver

from backend.outbox import run_once

MARKUP = (
    '<div hidden data-schedlink-contact data-name="Ada Lovelace" data-email="ada@example.com" '
    'data-tzid="Europe/London" data-reference="candidate-4711" '
    'data-summary="Interview: Senior Engineer" data-duration="45"></div>'
)
DOC = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()
ELLIPSIS = "…"


def doc_examples() -> list[dict]:
    """Every ```json block of the doc that is a notification body."""
    found = []
    for block in re.findall(r"```json\n(.*?)```", DOC, flags=re.S):
        text = block.strip()
        if not text.startswith("{"):  # e.g. "201 Created" + an API answer
            continue
        body = json.loads(text)
        if "notification" in body:
            found.append(body)
    return found


def conforms(example, actual, path: str = "$") -> None:
    """`actual` has the example's keys (all of them, unless the example has "…") and, for
    each, a value of the same JSON type; lists are compared item by item with the first
    example item."""
    if isinstance(example, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        keys = set(example) - {ELLIPSIS}
        if ELLIPSIS in example:
            assert keys <= set(actual), f"{path}: sent without {sorted(keys - set(actual))}"
        else:
            assert keys == set(actual), (
                f"{path}: documented but not sent {sorted(keys - set(actual))}, "
                f"sent but not documented {sorted(set(actual) - keys)}"
            )
        for key in keys:
            conforms(example[key], actual[key], f"{path}.{key}")
    elif isinstance(example, list):
        assert isinstance(actual, list), f"{path}: {actual!r} is not a list"
        for i, item in enumerate(actual if example else []):
            conforms(example[0], item, f"{path}[{i}]")
    elif example is None:
        assert actual is None, f"{path}: documented null, sent {actual!r}"
    else:
        assert type(actual) is type(example), f"{path}: documented {example!r}, sent {actual!r}"


def _key(body: dict) -> tuple[str, bool]:
    """Notifications are told apart by type and by whether they went to a channel."""
    return body["notification"]["type"], "channel" in body


@pytest.fixture
def app_config():
    return {"OUTBOUND_ALLOW": ["127.0.0.1"], "WEBHOOK_RETRY_SCHEDULE": [0, 0.2]}


def _drain(app, receiver, count: int) -> list:
    for _ in range(10):
        run_once(app)
        if len(receiver.received) >= count:
            break
    return receiver.wait_for(count, timeout=10)


def _real_deliveries(app, client, host, receiver) -> dict[tuple[str, bool], dict]:
    response = client.post(
        "/v1/channels", json={"callback_url": receiver.url}, headers=host.headers
    )
    assert response.status_code == 201
    # As an ATS does it: the candidate's page markup, and a subscription for the interview.
    made = client.post(
        "/v1/scheduling_links",
        json={"markup": MARKUP,
              "questions": [{"label": "Company", "type": "text", "required": True}],
              "place": {"type": "in_person", "address": "1 Main St, Berlin"},
              "subscriptions": [{"type": "webhook", "uri": receiver.url + "?sub",
                                 "interactions": [{"type": "conferencing_assigned"}]}]},
        headers=host.headers,
    )  # fmt: skip
    assert made.status_code == 201, made.get_json()
    link = made.get_json()["scheduling_link"]
    page = client.get(path_of(link["url"])).get_data(as_text=True)
    fields = form_fields(page)
    booked = client.post(
        path_of(link["url"]),
        data={"form_token": fields["form_token"], "tz": "Europe/London",
              "start": fields["starts"][0], "name": "Ada Lovelace", "email": "ada@example.com",
              "notes": "I use a screen reader.\nPlease send the agenda.",
              "answer-q1": "Analytical Engines Ltd", "guests": "charles@example.com"},
    )  # fmt: skip
    assert booked.status_code == 303
    # booking_created, scheduling_link_completed, change; then the built-in Jitsi link is
    # assigned by the worker: conferencing_assigned to the channel and to the subscription.
    got = _drain(app, receiver, 6)
    created = next(r.json for r in got if r.type == "booking_created")
    invitee = created["booking"]["invitee"]

    # The invitee's own URLs, as a host app would hand them on, really work.
    moving = path_of(invitee["reschedule_url"])
    offer = form_fields(client.get(moving).get_data(as_text=True))
    moved = client.post(moving, data={"form_token": offer["form_token"],
                                      "start": offer["starts"][-1],
                                      "reason": "A clash came up"})  # fmt: skip
    assert moved.status_code == 303
    got = _drain(app, receiver, 8)
    cancelling = path_of(invitee["cancel_url"])
    form = form_fields(client.get(cancelling).get_data(as_text=True))
    done = client.post(
        cancelling, data={"form_token": form["form_token"], "reason": "I accepted another offer"}
    )
    assert done.status_code == 200
    got = _drain(app, receiver, 10)

    other = create_link(client, host)
    disabled = client.post(
        f"/v1/scheduling_links/{other['id']}/disable",
        json={"display_message": "This position has been filled."}, headers=host.headers,
    )  # fmt: skip
    assert disabled.status_code == 200
    got = _drain(app, receiver, 11)
    secret = client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"]
    for item in got:
        Webhook(secret).verify(item.body, item.headers)
    deliveries: dict[tuple[str, bool], dict] = {}
    for item in got:
        deliveries.setdefault(_key(item.json), item.json)
    return deliveries


def test_every_example_in_the_webhooks_doc_matches_a_real_delivery(app, client, host):
    with Receiver() as receiver:
        deliveries = _real_deliveries(app, client, host, receiver)
    examples = doc_examples()
    assert {_key(e) for e in examples} == set(deliveries), "one example per kind sent"
    for example in examples:
        conforms(example, deliveries[_key(example)], f"{_key(example)}")


def test_a_host_app_gets_the_join_link_the_note_and_the_invitee_urls_without_polling(
    app, client, host
):
    with Receiver() as receiver:
        deliveries = _real_deliveries(app, client, host, receiver)
    created = deliveries[("booking_created", True)]
    assert created["event"]["conferencing"] == {"pending": True}
    assigned = deliveries[("conferencing_assigned", True)]
    assert assigned["event"]["event_id"] == created["booking"]["id"]
    assert assigned["event"]["conferencing"]["join_url"].startswith("https://")
    invitee = created["booking"]["invitee"]
    assert invitee["note"] == "I use a screen reader.\nPlease send the agenda."
    assert invitee["reschedule_url"].startswith("http://schedlink.test/booking/reschedule/")
    assert invitee["cancel_url"].startswith("http://schedlink.test/booking/cancel/")
    # A cancelled booking has no pages left to offer.
    cancelled = deliveries[("booking_cancelled", True)]["booking"]["invitee"]
    assert "cancel_url" not in cancelled and "reschedule_url" not in cancelled
    # Event subscriptions (any URI the API was given) carry the event only: no bearer URLs.
    sub = deliveries[("conferencing_assigned", False)]
    assert set(sub) == {"notification", "event"}
    assert "/booking/" not in json.dumps(sub)
