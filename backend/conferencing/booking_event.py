"""A booking's meeting on the booking's own calendar event. When the connection that writes
bookings into the host's Google or Outlook calendar (`calendars.writes`) also makes the
meeting, the meeting is attached to that one event instead of a second one: Google Calendar
`events.patch` with `conferenceData.createRequest` (conferenceDataVersion=1, then read until
its status is success); Microsoft Graph `PATCH /me/events/{id}` with `isOnlineMeeting` and
`onlineMeetingProvider: teamsForBusiness`, then `onlineMeeting.joinUrl`. Moving and deleting
the event is the calendar write's job; the meeting follows the event.

Two jobs meet here, in either order and possibly at once in two workers: the calendar write
(which makes the event) and the conferencing assign (which attaches the meeting). The
`booking_writes` row is where they meet, locked in each side's transaction: `claim` (assign)
finds the event written and attaches, or marks the conference as waiting; `write_recorded`
(calendar write) finds a waiting conference and queues its assign again. Flask-free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..calendars.writes import RETRACT
from ..core import database
from ..models import Booking, BookingWrite, Calendar, Conference, Event, Job
from . import hooks
from .errors import MeetingRefused
from .events import ASSIGN
from .providers import Details, Meet, Meeting, call, json_answer
from .teams_events import TEAMS, TeamsEvents

ON_BOOKING = "booking"  # Conference.meeting_kind: the meeting lives on the booking's event
WAITING = "Waiting for the booking to be written to the calendar."


@dataclass(frozen=True)
class Target:
    calendar_ref: str  # the provider's calendar id
    event_ref: str  # the provider's event id of the written booking


WAIT = object()  # claim(): the booking's event is not written yet


class GoogleOnEvent:
    """conferenceData added to the booking's Google event (events.patch, then events.get)."""

    @staticmethod
    def _url(api_url: str, target: Target) -> str:
        calendar, event = quote(target.calendar_ref, safe=""), quote(target.event_ref, safe="")
        return f"{api_url}/calendar/v3/calendars/{calendar}/events/{event}"

    def attach(self, http, api_url, token, target: Target, d: Details) -> Meeting:
        body = {
            "conferenceData": {
                "createRequest": {
                    "requestId": d.request_id,  # a retried PATCH asks for the same conference
                    "conferenceSolutionKey": {"type": "hangoutsMeet"},
                }
            }
        }
        url = f"{self._url(api_url, target)}?conferenceDataVersion=1&sendUpdates=all"
        return Meet._meeting(json_answer(call(http, "PATCH", url, token, body=body, ok=(200,))))

    def poll(self, http, api_url, token, target: Target) -> Meeting:
        url = self._url(api_url, target)
        return Meet._meeting(json_answer(call(http, "GET", url, token, ok=(200,))))


class TeamsOnEvent:
    """The booking's Outlook event made an online meeting. Only these two properties are
    sent: the calendar write never sends the body again (Graph: replacing an online
    meeting's body without its meeting blob disables the meeting). `mailbox` as in
    `TeamsEvents`: "" for an Enterprise Connect member, whose base URL is `/users/{upn}`."""

    def __init__(self, mailbox: str = "/me"):
        self.mailbox = mailbox

    def attach(self, http, api_url, token, target: Target, d: Details) -> Meeting:
        url = f"{api_url}{self.mailbox}/events/{quote(target.event_ref, safe='')}"
        body = {"isOnlineMeeting": True, "onlineMeetingProvider": TEAMS}
        data = json_answer(call(http, "PATCH", url, token, body=body, ok=(200,)))
        if data.get("isOnlineMeeting") is False or data.get("onlineMeetingProvider") != TEAMS:
            raise MeetingRefused(
                "This Microsoft account's calendar can't make Teams meetings (Teams comes "
                "with Microsoft 365 work or school accounts)."
            )
        return TeamsEvents._meeting(data)

    def poll(self, http, api_url, token, target: Target) -> Meeting:
        return TeamsEvents(self.mailbox).poll(http, api_url, token, target.event_ref)


class FollowsTheEvent:
    """The meeting kind's update and delete: nothing to do, the calendar write moves and
    deletes the event and the meeting goes with it."""

    def update(self, http, api_url, token, meeting_id, d: Details) -> None:
        return None

    def delete(self, http, api_url, token, meeting_id) -> None:
        return None


# "exchange": Enterprise Connect's Microsoft 365 member profiles (Graph /users/{upn}).
ATTACHERS = {
    "google": GoogleOnEvent(),
    "microsoft": TeamsOnEvent(),
    "exchange": TeamsOnEvent(mailbox=""),
}


def claim(sessions: sessionmaker, conference_id: int) -> Target | object | None:
    """For the assign job: the written event to put the meeting on (Target), WAIT while the
    booking's event is not written yet (the write will queue the assign again), or None:
    the meeting is made separately as before (no booking, another connection writes the
    booking, or a meeting was already made separately)."""
    with database.write(sessions) as s:
        conference = s.get(Conference, conference_id)
        if conference is None or conference.provider_name not in ATTACHERS:
            return None
        if conference.meeting_id and conference.meeting_kind != ON_BOOKING:
            return None
        event = s.get(Event, conference.event_id)
        if event is None or event.booking_id is None:
            return None
        # Locked: the calendar write records its outcome under the same row lock.
        found = _meeting_write(s, event.booking_id, conference.profile_id, lock=True)
        if found is None:  # (a calendar removed meanwhile takes its writes with it)
            conference.meeting_kind = None
            return None
        write, calendar = found
        conference.meeting_kind = ON_BOOKING
        if not write.external_ref:
            conference.error = WAITING
            return WAIT
        return Target(calendar.external_id, write.external_ref)


def _meeting_write(
    s: Session, booking_id: int, profile_id: int, lock: bool = False
) -> tuple[BookingWrite, Calendar] | None:
    """The one event of the booking, among those this connection writes, that carries the
    meeting: the booking as one event if it is written so, else the first Real-Time
    Sequencing step (by `ordinal`) whose event the connection's host has (the step a
    sequence's meeting is for); a copy being deleted only if there is nothing else."""
    query = (
        select(BookingWrite, Calendar)
        .join(Calendar, Calendar.id == BookingWrite.calendar_id)
        .where(
            BookingWrite.booking_id == booking_id,
            Calendar.profile_id == profile_id,
            BookingWrite.state != "removed",
        )
        .order_by(BookingWrite.id)
    )
    rows = s.execute(query.with_for_update(of=BookingWrite) if lock else query).all()
    if len(rows) < 2:
        return tuple(rows[0]) if rows else None
    booking = s.get(Booking, booking_id)
    steps = (booking.link.rts_query or {}).get("sequence", []) if booking.link else []
    ordinal = {step.get("sequence_id"): step.get("ordinal") or 0 for step in steps}
    attended = set(
        s.execute(
            select(Event.sequence_id, Calendar.account_id)
            .join(Calendar, Calendar.id == Event.calendar_id)
            .where(Event.booking_id == booking_id, Event.status != "cancelled")
        ).all()
    )

    def rank(row) -> tuple:
        write, calendar = row
        step = write.sequence_id
        going = write.state == RETRACT or (
            step is not None and (step, calendar.account_id) not in attended
        )
        return (going, step is not None, ordinal.get(step, 0), calendar.id, write.id)

    return tuple(min(rows, key=rank))


def write_recorded(session: Session, write: BookingWrite, now: datetime) -> None:
    """For the calendar write, in the transaction that records its outcome (the write row
    locked): a conference waiting for this event is queued again; one whose event was
    written anew (deleted by hand in the calendar) is made again on the new event; while
    the write keeps failing, the conference fails after the usual grace period."""
    conference = session.scalar(
        select(Conference)
        .join(Event, Event.id == Conference.event_id)
        .where(Event.booking_id == write.booking_id, Conference.meeting_kind == ON_BOOKING)
    )
    if conference is None:
        return
    calendar = session.get(Calendar, write.calendar_id)
    if calendar is None or calendar.profile_id != conference.profile_id:
        return
    carrier = _meeting_write(session, write.booking_id, conference.profile_id)
    if carrier is None or carrier[0].id != write.id:
        return  # deleted, or another step's event of this booking: the meeting is not on it
    event = session.get(Event, conference.event_id)
    if write.state == "failed":
        if conference.status != "assigned":
            conference.error = (write.last_error or WAITING)[:2000]
            if now - conference.created_at >= hooks.FAILING_AFTER:
                hooks.mark_failing(session, conference, event, conference.error, now)
        return
    if write.state != "written" or not write.external_ref:
        return
    if conference.meeting_id == write.external_ref:
        return  # attached already, or being polled: nothing to do
    if conference.meeting_id is not None:  # a new event: its meeting is made again
        conference.meeting_id, conference.join_url = None, None
        conference.status = "pending"
    elif conference.status == "assigned":
        return
    session.add(Job(kind=ASSIGN, payload={"conference_id": conference.id}, run_at=now))
