"""Security reference checklist item 30 (DB-durability): a kill loop against the real server.

`schedlink serve` (gunicorn master + gthread workers, one process group) takes concurrent
booking POSTs from client threads; at a random moment while they are in flight the whole
process group gets SIGKILL, and the server is started again (startup migrates the crashed
database). After several rounds the database itself is checked:

* SQLite: `PRAGMA integrity_check` is "ok" (after every kill, before the restart, and at the
  end) and `PRAGMA foreign_key_check` is empty;
* every link's `uses` equals the number of its bookings, `uses <= max_uses`, and its status is
  "completed" exactly when `uses >= max_uses` (no booking without its use consumed, nor the
  reverse);
* every booking has exactly one calendar event (same times, the host's calendar) and exactly
  one `booking.confirmed` outbox job, and every such job names an existing booking;
* no two confirmed bookings of one host overlap;
* every POST answered 303 before the kill has its booking row: a confirmation is durable.

Note: SIGKILL ends processes, not the machine, so what the kernel already has survives it;
this shows the transaction boundaries are right (all-or-nothing), not fsync behaviour on
power loss (that is what `synchronous=FULL` is for; its PRAGMA is read by a startup test).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from live_server import (
    Host,
    LiveServer,
    create_host_directly,
    fresh_pg_database,
    page_fields,
    parse_utc,
    pg_unreachable_reason,
)
from sqlalchemy import Engine, text

from backend import db

ROUNDS = 8
CLIENT_THREADS = 12
WORKERS = 3
TIMEOUT = (2, 10)  # connect, read: every request is bounded
KILL_AFTER = (0.0, 0.5)  # seconds after the round's first booking was answered
# One batch of links per round, spread over the hosts; most may be booked more than once. Enough
# uses that the clients are still booking when the kill comes.
BATCH = [(1, 30), (1, 60), (2, 45), (5, 30), (20, 30), (60, 30)]  # (max_uses, duration_minutes)
HOSTS = 8  # so that no host's calendar fills up over the rounds


# --- a server that can be killed and started again ---------------------------------------------


def _group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group `pgid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state not in ("Z", "X"):
            members.append(int(entry.name))
    return members


class KillableServer(LiveServer):
    """LiveServer (started with start_new_session=True, so the master's pid is the process
    group of master and workers) that can be SIGKILLed as a group and started again on the
    same port, so the links' URLs stay valid."""

    _boot_offset = 0

    def start(self, timeout: float = 30) -> KillableServer:
        self._boot_offset = self.log_size()
        super().start(timeout)
        return self

    def _wait_for_workers(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as fh:
                fh.seek(self._boot_offset)
                booted = fh.read().decode(errors="replace").count("Booting worker with pid")
            if booted >= self.workers:
                return
            time.sleep(0.05)
        raise RuntimeError(f"not all {self.workers} workers booted:\n{self.log_text()[-3000:]}")

    def kill_group(self) -> None:
        """SIGKILL master and workers together; wait until none of them is alive."""
        process = self.process
        if process is None:
            return
        pgid = process.pid
        # While the master is unreaped (or any member lives) the pgid cannot be reused.
        if process.poll() is None or _group_members(pgid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if self._log is not None:
            self._log.close()
            self._log = None
        survivors = _group_members(pgid)
        assert not survivors, f"server processes survived SIGKILL: {survivors}"

    def stop(self) -> None:  # the finalizer: never a graceful stop, never a survivor
        self.kill_group()


# --- clients -------------------------------------------------------------------------------------


@dataclass
class Link:
    id: str
    url: str
    max_uses: int
    form: dict  # the page's hidden inputs (form_token is per link, not per request)
    starts: list[str]
    gone: bool = False


@dataclass
class Post:
    round: int
    link_id: str
    start: str
    email: str
    status: int | str = "unsent"
    detail: str = ""
    sent_at: float = 0.0


@dataclass
class Round:
    number: int
    posts: list[Post] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    first_sent: threading.Event = field(default_factory=threading.Event)
    first_booked: threading.Event = field(default_factory=threading.Event)
    killed: threading.Event = field(default_factory=threading.Event)
    killed_at: float = 0.0

    def counts(self) -> Counter:
        return Counter(str(p.status) for p in self.posts)

    def sent_unanswered(self) -> bool:
        with self.lock:
            return any(p.status == "unsent" and p.sent_at for p in self.posts)

    def in_flight(self) -> int:
        """POSTs sent before the kill that got no answer: the kill hit them."""
        return sum(1 for p in self.posts if p.status == "error" and p.sent_at < self.killed_at)


def create_links(server: LiveServer, hosts: list[Host], round_no: int) -> list[Link]:
    links = []
    for i, (max_uses, minutes) in enumerate(BATCH):
        host = hosts[(round_no * len(BATCH) + i) % len(hosts)]
        created = requests.post(
            f"{server.url}/v1/scheduling_links",
            json={
                "contact": {"name": "Ada Lovelace", "email": "ada@example.com"},
                "max_uses": max_uses,
                "duration_minutes": minutes,
            },
            headers=host.headers,
            timeout=TIMEOUT,
        )
        assert created.status_code == 201, created.text
        body = created.json()["scheduling_link"]
        page = requests.get(body["url"], timeout=TIMEOUT)
        assert page.status_code == 200, page.text[:300]
        fields = page_fields(page.text)
        soon = datetime.now(UTC) + timedelta(minutes=30)
        starts = [s for s in fields.pop("starts") if parse_utc(s) >= soon]
        assert fields.get("form_token") and starts, "the booking page offers no form or slot"
        # a narrow choice of times, so that the bookings of one host compete for them
        links.append(Link(body["id"], body["url"], max_uses, fields, starts[:120]))
    return links


def client(links: list[Link], rnd: Round, seed: int) -> None:
    """POST bookings one after another on one connection until the server is killed."""
    rng = random.Random(seed)
    with requests.Session() as session:
        while not rnd.killed.is_set():
            open_links = [link for link in links if not link.gone]
            if not open_links:
                return
            link = rng.choice(open_links)
            post = Post(
                rnd.number,
                link.id,
                rng.choice(link.starts),
                f"r{rnd.number}-{uuid.uuid4().hex[:12]}@example.com",
            )
            with rnd.lock:
                rnd.posts.append(post)
            data = link.form | {"start": post.start, "name": "Kill Loop", "email": post.email}
            post.sent_at = time.monotonic()
            rnd.first_sent.set()
            try:
                response = session.post(link.url, data=data, allow_redirects=False, timeout=TIMEOUT)
            except requests.RequestException as exc:
                post.status, post.detail = "error", type(exc).__name__
                if rnd.killed.is_set():
                    return
                time.sleep(0.05)
                continue
            post.status = response.status_code
            if response.status_code == 303:
                rnd.first_booked.set()
            if response.status_code == 410:
                link.gone = True
            elif response.status_code != 303:
                post.detail = response.text[:200]


# --- the database ------------------------------------------------------------------------------


def sqlite_checks(path: Path) -> tuple[list, list]:
    conn = sqlite3.connect(path, timeout=10)
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        foreign = list(conn.execute("PRAGMA foreign_key_check"))
    finally:
        conn.close()
    return integrity, foreign


def rows(engine: Engine, sql: str) -> list:
    with engine.connect() as conn:
        return list(conn.execute(text(sql)))


def as_utc(value) -> datetime:
    """A timestamp column as an aware UTC datetime (SQLite stores text, PostgreSQL timestamptz)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def invariant_violations(engine: Engine, posts: list[Post]) -> list[str]:
    problems: list[str] = []
    links = rows(
        engine,
        "SELECT l.id, l.public_id, l.uses, l.max_uses, l.status,"
        " (SELECT count(*) FROM bookings b WHERE b.link_id = l.id) AS n"
        " FROM scheduling_links l ORDER BY l.id",
    )
    for link in links:
        if link.uses != link.n or link.uses > link.max_uses:
            problems.append(f"link uses != bookings (or > max_uses): {tuple(link)}")
        if (link.status == "completed") != (link.uses >= link.max_uses):
            problems.append(f"link status does not match uses/max_uses: {tuple(link)}")

    bookings = rows(
        engine,
        "SELECT id, public_id, link_id, account_id, start_at, end_at, status, invitee_email"
        " FROM bookings ORDER BY id",
    )
    events: dict[int, list] = {}
    for event in rows(
        engine,
        "SELECT e.booking_id, e.start_at, e.end_at, c.account_id FROM events e"
        " JOIN calendars c ON c.id = e.calendar_id WHERE e.booking_id IS NOT NULL",
    ):
        events.setdefault(event.booking_id, []).append(event)
    jobs, invitee_jobs = Counter(), Counter()
    for (payload,) in rows(engine, "SELECT payload FROM jobs WHERE kind = 'booking.confirmed'"):
        decoded = payload if isinstance(payload, dict) else json.loads(payload)
        # One job per recipient; count the host's, and check the invitee's matches below.
        jobs[decoded.get("booking_id")] += decoded.get("recipient") == "host"
        invitee_jobs[decoded.get("booking_id")] += decoded.get("recipient") == "invitee"
    by_public_id = {b.public_id: b for b in bookings}
    for booking in bookings:
        mine = events.get(booking.id, [])
        times = (as_utc(booking.start_at), as_utc(booking.end_at))
        if len(mine) != 1:
            problems.append(f"booking has {len(mine)} calendar events: {tuple(booking)}")
        elif (as_utc(mine[0].start_at), as_utc(mine[0].end_at)) != times or (
            mine[0].account_id != booking.account_id
        ):
            problems.append(f"event differs from its booking: {tuple(booking)} {tuple(mine[0])}")
        if jobs[booking.public_id] != 1 or invitee_jobs[booking.public_id] != 1:
            problems.append(
                f"booking has {jobs[booking.public_id]} booking.confirmed jobs: {tuple(booking)}"
            )
    for public_id in jobs.keys() - by_public_id.keys():
        problems.append(f"booking.confirmed job for a booking that does not exist: {public_id}")

    overlapping = rows(
        engine,
        "SELECT a.public_id, a.start_at, a.end_at, b.public_id, b.start_at, b.end_at"
        " FROM bookings a JOIN bookings b ON a.account_id = b.account_id AND a.id < b.id"
        " AND a.start_at < b.end_at AND b.start_at < a.end_at"
        " WHERE a.status = 'confirmed' AND b.status = 'confirmed'",
    )
    problems += [f"confirmed bookings of one host overlap: {tuple(pair)}" for pair in overlapping]

    link_ids = {link.id: link.public_id for link in links}
    by_email = {b.invitee_email: b for b in bookings}
    sent = {p.email for p in posts}
    for post in posts:
        if post.status != 303:
            continue
        booking = by_email.get(post.email)
        if booking is None:
            problems.append(f"a 303 (confirmed) booking is missing after the kill: {post}")
        elif (link_ids[booking.link_id], as_utc(booking.start_at)) != (
            post.link_id,
            parse_utc(post.start),
        ):
            problems.append(f"a 303 booking has other data: {post} {tuple(booking)}")
    for booking in bookings:  # every row comes from a POST of this test
        if booking.invitee_email not in sent:
            problems.append(f"a booking nobody asked for: {tuple(booking)}")
    return problems


# --- the test ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_sigkill_during_bookings_loses_no_confirmed_booking_and_breaks_no_invariant(kind, tmp_path):
    began = time.monotonic()
    with contextlib.ExitStack() as stack:
        if kind == "sqlite":
            db_path = tmp_path / "schedlink.db"
            url = f"sqlite:///{db_path}"
        else:
            reason = pg_unreachable_reason()
            if reason:
                pytest.skip(reason)
            url = stack.enter_context(fresh_pg_database())
        server = KillableServer(url, tmp_path, workers=WORKERS, quiet_access_log=True)
        server.cli("migrate")
        hosts = [
            create_host_directly(url, f"host-{i}-{uuid.uuid4().hex[:6]}@example.com")
            for i in range(HOSTS)
        ]
        stack.callback(server.stop)  # runs even when an assertion fails: kills the group
        engine = db.make_engine(url)
        stack.callback(engine.dispose)

        server.start()
        rng = random.Random()
        links: list[Link] = []
        rounds: list[Round] = []
        for number in range(ROUNDS):
            links += create_links(server, hosts, number)
            rnd = Round(number)
            rounds.append(rnd)
            threads = [
                threading.Thread(target=client, args=(links, rnd, rng.random()), daemon=True)
                for _ in range(CLIENT_THREADS)
            ]
            for thread in threads:
                thread.start()
            assert rnd.first_sent.wait(timeout=10), "no booking POST was sent"
            # Kill once the round has booked something and while a POST is on its way, however
            # slow a loaded machine makes the server; the moment within that stays random.
            assert rnd.first_booked.wait(timeout=60), "no booking was answered in a minute"
            time.sleep(rng.uniform(*KILL_AFTER))
            wait_until = time.monotonic() + 10
            while not rnd.sent_unanswered() and time.monotonic() < wait_until:
                time.sleep(0.001)
            rnd.killed_at = time.monotonic()
            rnd.killed.set()
            server.kill_group()  # master and workers, mid-request
            for thread in threads:
                thread.join(timeout=15)
            assert not any(t.is_alive() for t in threads), "a client did not stop"
            if kind == "sqlite":
                integrity, foreign = sqlite_checks(db_path)  # the crashed file, WAL and all
                assert integrity == ["ok"], f"round {number}: integrity_check {integrity}"
                assert foreign == [], f"round {number}: foreign_key_check {foreign}"
            if number < ROUNDS - 1:
                server.start()  # `serve` migrates the crashed database first

        posts = [p for rnd in rounds for p in rnd.posts]
        booked = {email for (email,) in rows(engine, "SELECT invitee_email FROM bookings")}
        summary = "\n".join(
            f"  round {rnd.number}: {dict(sorted(rnd.counts().items()))};"
            f" in flight at the kill: {rnd.in_flight()}, of which committed without an answer:"
            f" {sum(1 for p in rnd.posts if p.status == 'error' and p.email in booked)}"
            for rnd in rounds
        )
        print(f"\n{kind}: {time.monotonic() - began:.1f}s, {len(booked)} bookings\n{summary}")
        odd = [p for p in posts if p.status not in (303, 409, 410, "error")]
        assert not odd, f"unexpected answers before the kill: {odd[:5]}"
        assert Counter(p.status for p in posts)[303] >= ROUNDS, f"too few bookings:\n{summary}"
        assert all(rnd.in_flight() for rnd in rounds), f"a kill hit no POST:\n{summary}"

        if kind == "sqlite":
            integrity, foreign = sqlite_checks(db_path)
            assert integrity == ["ok"], integrity
            assert foreign == [], foreign
        problems = invariant_violations(engine, posts)
        assert problems == [], "\n".join(problems[:30])
