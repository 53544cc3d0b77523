"""E-mail built so no user text becomes a header or a part; one job per recipient; each
party's invitation carries only their own links. Delivered to a real local SMTP server."""

from __future__ import annotations

import email
import socket
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from helpers import NATIVE, book, create_link
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from backend import db
from backend.core.text import clean_text
from backend.models import Booking, Job
from backend.outbox import mime
from backend.outbox import worker as jobs
from backend.scheduling.reminders import KIND as REMINDER  # planned for later: not under test

# These tests count mail jobs; a booked meeting's join link (Jitsi by default) is its own job.
NO_MEETING = {"profile_id": "none"}
HEADER_ATTACK = (
    "Eve=?utf-8?q?=0D=0AReply-To=3A_evil=40attacker.test=0D=0AContent-Type=3A_text/html"
    "=0D=0A=0D=0A=3Ch1=3ESign_in_again=3C/h1=3E?="
)
SUMMARY_ATTACK = "Interview=?utf-8?q?=0D=0AReply-To=3A_hr=40attacker.test?="
EXPECTED_HEADERS = {
    "from", "to", "subject", "date", "message-id", "auto-submitted", "content-type",
    "mime-version",
}  # fmt: skip


class Inbox:
    """Keeps the raw bytes; refuses RCPT TO for the addresses in `refuse`."""

    def __init__(self):
        self.raw: list[tuple[list[str], bytes]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        self.raw.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=policy.default)
            for rcpts, raw in self.raw
            if rcpts == [address]
        ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox(app):
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    yield box
    controller.stop()


def _calendar(message) -> str:
    part = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    body = part.get_content()
    return (body.decode() if isinstance(body, bytes) else body).replace("\r\n ", "")


def _assert_only_our_structure(message) -> None:
    assert {name.lower() for name in message} == EXPECTED_HEADERS
    assert "Reply-To" not in message
    types = [part.get_content_type() for part in message.walk()]
    assert types == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar",
    ]  # fmt: skip
    html = message.get_body(("html",)).get_content()
    assert "<h1>" not in html and "— schedlink" in html


def test_encoded_word_in_the_invitee_name_stays_text(app, client, host, inbox):
    link = create_link(client, host, conferencing=NO_MEETING)
    response, _ = book(client, link["url"], name=HEADER_ATTACK)
    assert response.status_code == 303
    assert jobs.run_once(app) == 2
    [to_host] = inbox.to(host.email)
    [to_invitee] = inbox.to("ada@example.com")
    for message in (to_host, to_invitee):
        _assert_only_our_structure(message)
    for _rcpts, raw in inbox.raw:
        head = raw.split(b"\r\n\r\n", 1)[0].lower()
        assert not any(line.startswith(b"reply-to") for line in head.split(b"\r\n"))
    # The name reads back as the literal text typed, inside the Subject and the To name.
    assert HEADER_ATTACK in str(to_host["Subject"])
    assert to_invitee["To"].addresses[0].display_name.replace(" ", "") == HEADER_ATTACK
    assert to_invitee["To"].addresses[0].addr_spec == "ada@example.com"


def test_encoded_word_in_the_markup_summary_stays_text(app, client, host, inbox):
    markup = NATIVE.replace("Interview: Senior Engineer", SUMMARY_ATTACK)
    body = {"markup": markup, "conferencing": NO_MEETING}
    response = client.post("/v1/scheduling_links", json=body, headers=host.headers)
    link = response.get_json()["scheduling_link"]
    assert link["summary"] == SUMMARY_ATTACK
    assert book(client, link["url"])[0].status_code == 303
    assert jobs.run_once(app) == 2
    for message in inbox.to(host.email) + inbox.to("ada@example.com"):
        _assert_only_our_structure(message)
        assert SUMMARY_ATTACK in str(message["Subject"])
    assert len(inbox.raw) == 2


def test_control_characters_are_removed_at_input(app, client, host, inbox):
    dirty = "Ada\x00 \x1b[31mLove\rlace\x07\u202e"
    # The API refuses NUL outright (422); every other control character is removed.
    link = create_link(
        client, host, conferencing=NO_MEETING, summary="Intro\x1b]0;x\x07 call",
        contact={"name": dirty.replace("\x00", ""), "email": "a@b.co"},
    )  # fmt: skip
    assert link["summary"] == "Intro]0;x call" and link["contact"]["name"] == "Ada [31mLove lace"
    assert book(client, link["url"], name=dirty)[0].status_code == 303
    with app.app_context():
        assert db.session().scalars(select(Booking)).one().invitee_name == "Ada [31mLove lace"
    assert jobs.run_once(app) == 2
    for _rcpts, raw in inbox.raw:
        message = email.message_from_bytes(raw, policy=policy.default)
        ics = _calendar(message)
        assert not any(ch in ics for ch in "\x00\x1b\x07\u202e")


def test_each_party_gets_only_their_own_links(app, client, host, inbox):
    link = create_link(client, host, conferencing=NO_MEETING)
    assert book(client, link["url"])[0].status_code == 303
    assert jobs.run_once(app) == 2
    [to_host] = inbox.to(host.email)
    [to_invitee] = inbox.to("ada@example.com")
    for path in ("/booking/cancel/", "/booking/reschedule/"):
        assert path in _calendar(to_invitee)
        assert path in to_invitee.get_body(("plain",)).get_content()
        assert path not in _calendar(to_host)
        assert path not in to_host.get_body(("plain",)).get_content()
        assert path not in to_host.get_body(("html",)).get_content()


def _due_now(app) -> None:
    with app.app_context(), db.write() as s:
        s.execute(
            update(Job)
            .where(Job.kind != REMINDER)
            .values(run_at=datetime.now(UTC) - timedelta(seconds=1))
        )


def test_a_refused_recipient_neither_blocks_nor_duplicates_the_other(app, client, host, inbox):
    inbox.refuse.add(host.email)
    link = create_link(client, host, conferencing=NO_MEETING)
    assert book(client, link["url"])[0].status_code == 303
    for _retry in range(3):
        jobs.run_once(app)
        _due_now(app)
    assert len(inbox.to("ada@example.com")) == 1, "delivered once, not once per retry"
    assert inbox.to(host.email) == []
    with app.app_context():
        rows = {
            j.payload["recipient"]: j
            for j in db.session().scalars(select(Job).where(Job.kind != REMINDER))
        }
        assert rows["invitee"].status == "done" and rows["invitee"].attempts == 1
        assert rows["host"].status == "pending" and rows["host"].attempts == 3
        assert "550" in rows["host"].last_error
    inbox.refuse.clear()
    assert jobs.run_once(app) == 1
    assert len(inbox.to(host.email)) == 1 and len(inbox.to("ada@example.com")) == 1


def test_a_job_from_before_the_split_becomes_one_per_recipient(app, client, host, inbox):
    link = create_link(client, host, conferencing=NO_MEETING)
    assert book(client, link["url"])[0].status_code == 303
    with app.app_context(), db.write() as s:
        booking_id = s.scalars(select(Booking)).one().public_id
        s.execute(Job.__table__.delete())
        s.add(Job(kind="booking.confirmed", payload={"booking_id": booking_id}))
    jobs.run_once(app)
    assert len(inbox.to(host.email)) == 1 and len(inbox.to("ada@example.com")) == 1


# --- the message builder on its own ----------------------------------------------------------

_any_text = st.text(st.characters(codec="utf-8"), max_size=300)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_any_text, subject=_any_text)
def test_any_text_reads_back_as_itself_and_adds_no_header(name, subject):
    mail = mime.Mail(
        sender="schedlink <no-reply@schedlink.localhost>",
        to_name=name,
        to_address="ada@bücher.example",
        subject=subject,
        text="hello",
        html="<p>hello</p>",
        ics=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        ics_method="REQUEST",
    )
    sender, recipient, raw = mime.build(mail)
    assert raw.isascii() and b"\r\n\r\n" in raw
    assert (sender, recipient) == ("no-reply@schedlink.localhost", "ada@xn--bcher-kva.example")
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert all(len(line) <= 998 for line in head.split("\r\n"))
    message = email.message_from_bytes(raw, policy=policy.default)
    assert {n.lower() for n in message} == EXPECTED_HEADERS
    assert str(message["Subject"]) == clean_text(subject)
    shown = message["To"].addresses[0].display_name
    assert "".join(shown.split()) == "".join(clean_text(name).split())


def test_a_message_with_an_unexpected_header_is_refused():
    mail = mime.Mail("a@b.co", "", "c@d.co", "Hi", "t", "<p>h</p>", b"x", "REQUEST")
    expected = {"From": "a@b.co", "To": "c@d.co", "Subject": "Hi"}
    raw = (
        b"From: a@b.co\r\nTo: c@d.co\r\nSubject: Hi\r\nReply-To: evil@attacker.test\r\n"
        b"Content-Type: text/plain\r\nMIME-Version: 1.0\r\n\r\nhello\r\n"
    )
    with pytest.raises(mime.UnsafeMessage):
        mime.check(raw, expected, mail)
