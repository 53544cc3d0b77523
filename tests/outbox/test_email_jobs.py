"""Booking confirmations go through the outbox to a real (local) SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiosmtpd.controller import Controller
from helpers import book, create_link
from mail_server import Inbox, free_port
from sqlalchemy import select, update

from backend import db
from backend.models import Job
from backend.outbox import worker as jobs
from backend.scheduling.reminders import KIND as REMINDER  # planned for later: not under test


def test_booking_mails_invitee_and_host_with_an_invitation(app, client, host, smtp):
    link = create_link(
        client,
        host,
        summary="Interview <b>now</b>",
        conferencing={
            "profile_id": "none"
        },  # one job: the e-mails (join links: tests/conferencing)
        contact={"name": "Ada <img src=x onerror=alert(1)>", "email": "ada@example.com"},
    )
    response, _ = book(client, link["url"], name="Ada <img src=x onerror=alert(1)>")
    assert response.status_code == 303
    assert jobs.run_once(app) == 2  # one job per recipient
    assert sorted(rcpt[0] for rcpt, _ in smtp.messages) == ["ada@example.com", host.email]
    for _rcpt, message in smtp.messages:
        html = message.get_body(("html",)).get_content()
        assert "<img src=x" not in html and "&lt;img src=x" in html
        assert "<b>now</b>" not in html
        ics = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
        body = ics.get_content()
        body = body.decode() if isinstance(body, bytes) else body
        assert "METHOD:REQUEST" in body and "BEGIN:VEVENT" in body
        assert "mailto:ada@example.com" in body.replace("\r\n ", "")
    with app.app_context():
        for job in db.session().scalars(select(Job).where(Job.kind != REMINDER)):
            assert job.status == "done" and job.attempts == 1


def test_smtp_outage_loses_nothing(app, client, host):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nobody listening
    link = create_link(client, host, conferencing={"profile_id": "none"})
    assert book(client, link["url"])[0].status_code == 303
    assert jobs.run_once(app) == 2
    with app.app_context():
        for job in db.session().scalars(select(Job).where(Job.kind != REMINDER)):
            assert job.status == "pending" and job.attempts == 1 and job.last_error
            assert job.run_at > datetime.now(UTC)
    # The server comes back and the retry is due: delivered exactly once.
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(SMTP_PORT=controller.port)
        with app.app_context(), db.write() as s:
            s.execute(
                update(Job)
                .where(Job.kind != REMINDER)
                .values(run_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        assert jobs.run_once(app) == 2
        assert jobs.run_once(app) == 0
        assert len(inbox.messages) == 2
    finally:
        controller.stop()


def test_without_smtp_the_job_completes_quietly(app, client, host):
    link = create_link(client, host, conferencing={"profile_id": "none"})
    book(client, link["url"])
    assert jobs.run_once(app) == 2
    with app.app_context():
        assert {
            job.status for job in db.session().scalars(select(Job).where(Job.kind != REMINDER))
        } == {"done"}


class _RefusesOne(Inbox):
    """A mail server that has no mailbox for one address (550 at RCPT)."""

    def __init__(self, refused: str):
        super().__init__()
        self.refused = refused
        self.refusals = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() == self.refused:
            self.refusals += 1
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_recipient_the_server_refuses_does_not_hold_back_the_other_partys_mail(app, client, host):
    inbox = _RefusesOne("ada@example.com")
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
        link = create_link(client, host, conferencing={"profile_id": "none"})
        assert book(client, link["url"])[0].status_code == 303
        assert jobs.run_once(app) == 2  # one job per recipient
        assert [rcpt for rcpt, _ in inbox.messages] == [[host.email]]
        assert inbox.refusals == 1
        with app.app_context():
            rows = {
                j.payload["recipient"]: j
                for j in db.session().scalars(select(Job).where(Job.kind != REMINDER))
            }
            assert rows["host"].status == "done" and rows["host"].attempts == 1
            refused = rows["invitee"]
            assert refused.status == "pending" and refused.attempts == 1
            assert "550" in refused.last_error
        # Its retry is refused again, alone: the host is not mailed a second time.
        with app.app_context(), db.write() as s:
            s.execute(
                update(Job)
                .where(Job.status == "pending", Job.kind != REMINDER)
                .values(run_at=datetime.now(UTC))
            )
        assert jobs.run_once(app) == 1
        assert inbox.refusals == 2 and [rcpt for rcpt, _ in inbox.messages] == [[host.email]]
    finally:
        controller.stop()
