"""The worker's side: make, update and delete meetings with the providers, outside any
transaction, and record the outcome in a short one. Failures never touch the event or the
booking: the conference stays pending (retried with backoff), turns "failing" once with a
notification, and a disconnected profile is reported to the host."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..connections import (
    EnterpriseSettings,
    ProfileDisconnected,
    ProviderUnavailable,
    access_token,
    read_credentials,
)
from ..core import database
from ..models import Booking, Conference, Event, Job, Profile
from . import booking_event, hooks, jitsi
from .adapters import adapter_for, kind_for
from .errors import MeetingRefused, RetryLater
from .events import ASSIGN, DELETE, fingerprint
from .providers import Details, Meeting, TokenRejected
from .spec import is_https_url

log = logging.getLogger(__name__)
DISCONNECTED_MAIL = "conferencing.disconnected"
LINK_ADDED_MAIL = "booking.conferencing"
MAX_POLLS = 20


@dataclass(frozen=True)
class Context:
    sessions: sessionmaker
    providers: Mapping  # name -> connections.OAuthProvider
    outbound: object  # outbound.Outbound
    sealer: object  # sealing.Sealer
    jitsi_url: str
    now: Callable[[], datetime]
    enterprise: EnterpriseSettings | None = None  # Enterprise Connect's app and endpoints


def _details(event: Event, conference: Conference) -> Details:
    stamp = int(conference.created_at.timestamp() * 1_000_000)  # stable across retries
    return Details(
        summary=event.summary or "Meeting",
        start=event.start_at,
        end=event.end_at,
        tzid=event.tzid,
        agenda=event.description or "",
        request_id=f"schedlink-{conference.id}-{stamp}",
    )


def _api_url(ctx: Context, profile: Profile) -> str | None:
    """The API base URL for the profile's calls; None: its provider is not set up here. An
    Enterprise Connect member's is its mailbox's: Graph `/users/{upn}` (an app-only token has
    no `/me`), or the Calendar API, where the impersonated token makes `primary` theirs."""
    provider = ctx.providers.get(profile.provider_name)
    if profile.enterprise_connection_id is None:
        return provider.api_url.rstrip("/") if provider is not None else None
    settings = ctx.enterprise or EnterpriseSettings.from_providers(ctx.providers)
    if profile.provider_name == "google":
        return settings.google_api_url
    upn = read_credentials(profile, ctx.sealer).get("upn") or profile.external_id or ""
    return f"{settings.graph_url}/users/{quote(upn, safe='@')}"


def _token(
    ctx: Context, profile_id: int, conference_id: int | None, force: bool = False
) -> tuple[str, str]:
    """A valid access token and the provider's API base URL. A refresh the provider refuses
    disconnects the profile: that is committed, the host is e-mailed once (an Enterprise
    Connect profile's admins are, by `connections`), and the meeting waits (RetryLater)
    until the host reconnects."""
    disconnected = False
    with database.write(ctx.sessions) as s:
        profile = s.get(Profile, profile_id)
        if profile is None:
            raise MeetingRefused("The conferencing service was removed.")
        api_url = _api_url(ctx, profile)
        if api_url is None:
            raise RetryLater(f"{profile.provider_name} is not configured on this server.")
        managed = profile.enterprise_connection_id is not None
        if not profile.connected:
            who = "your organization's administrators" if managed else "the host"
            raise RetryLater(f"{profile.profile_name} is disconnected; waiting for {who}.")
        try:
            token = access_token(
                s,
                profile=profile,
                providers=ctx.providers,
                outbound=ctx.outbound,
                sealer=ctx.sealer,
                now=ctx.now(),
                force_refresh=force,
                enterprise=ctx.enterprise,
            )
        except ProviderUnavailable as exc:
            raise RetryLater(f"{profile.provider_name} token endpoint: {exc}") from exc
        except ProfileDisconnected:
            disconnected = True
            if not managed:
                s.add(Job(kind=DISCONNECTED_MAIL, payload={"profile_id": profile.id}))
            conference = s.get(Conference, conference_id) if conference_id else None
            if conference is not None:
                event = s.get(Event, conference.event_id)
                hooks.mark_failing(
                    s,
                    conference,
                    event,
                    "The calendar connection your organization manages was disconnected; "
                    "its administrators have been told."
                    if managed
                    else "The conferencing service was disconnected; "
                    "the host has been asked to reconnect it.",
                    ctx.now(),
                )
    if disconnected:
        raise RetryLater("the conferencing profile was disconnected")
    return token, api_url


def _with_token(ctx: Context, profile_id: int, conference_id: int | None, fn):
    """fn(token, api_url); a 401 forces one refresh and one more try."""
    token, api_url = _token(ctx, profile_id, conference_id)
    try:
        return fn(token, api_url)
    except TokenRejected:
        token, api_url = _token(ctx, profile_id, conference_id, force=True)
        return fn(token, api_url)


def assign(ctx: Context, conference_id: int, poll: int = 0) -> None:
    """Make the meeting of one pending conference (the conferencing.assign job)."""
    now = ctx.now()
    with ctx.sessions() as s:
        conference = s.get(Conference, conference_id)
        if conference is None or conference.status == "assigned":
            return
        event = s.get(Event, conference.event_id)
        profile = s.get(Profile, conference.profile_id) if conference.profile_id else None
        details = _details(event, conference)
        provider_name = profile.provider_name if profile else None
        meeting_id = conference.meeting_id
        # A meeting being polled keeps the way it was made; a new one follows the scope.
        kind = conference.meeting_kind if meeting_id else (
            kind_for(profile, ctx.sealer) if profile else None
        )  # fmt: skip
    if event.end_at <= now:
        return  # over before a link could be made: nothing to join any more
    if profile is None:
        return _refused(ctx, conference_id, "The conferencing service was removed.")
    try:
        # The booking's own calendar event carries the meeting when the same connection
        # wrote it; None: a meeting of its own.
        target = (
            booking_event.claim(ctx.sessions, conference_id)
            if provider_name in booking_event.ATTACHERS and event.booking_id
            else None
        )
        if target is booking_event.WAIT:
            return  # the calendar write queues this job again once the event exists
        if target is not None:
            kind, attacher = booking_event.ON_BOOKING, booking_event.ATTACHERS[provider_name]
            if meeting_id == target.event_ref:
                make = lambda token, url: attacher.poll(ctx.outbound, url, token, target)  # noqa: E731
            else:
                make = lambda token, url: attacher.attach(ctx.outbound, url, token, target, details)  # noqa: E731
            meeting = _with_token(ctx, profile.id, conference_id, make)
        elif provider_name == "jitsi":
            meeting = Meeting(None, jitsi.meeting_url(ctx.jitsi_url))
        else:
            adapter = adapter_for(provider_name, kind)
            if adapter is None:
                return _refused(ctx, conference_id, f"{provider_name} can't make meetings.")
            if meeting_id and hasattr(adapter, "poll"):
                make = lambda token, url: adapter.poll(ctx.outbound, url, token, meeting_id)  # noqa: E731
            else:
                make = lambda token, url: adapter.create(ctx.outbound, url, token, details)  # noqa: E731
            meeting = _with_token(ctx, profile.id, conference_id, make)
    except MeetingRefused as exc:
        return _refused(ctx, conference_id, str(exc))
    except RetryLater as exc:
        _note_retry(ctx, conference_id, str(exc))
        raise
    _record(ctx, conference_id, meeting, details, poll, profile.id, provider_name, kind)


def _note_retry(ctx: Context, conference_id: int, reason: str) -> None:
    """Keep why; a meeting still not made after FAILING_AFTER is reported failing (once)."""
    now = ctx.now()
    with database.write(ctx.sessions) as s:
        conference = s.get(Conference, conference_id)
        if conference is None or conference.status == "assigned":
            return
        conference.error = reason[:2000]
        if now - conference.created_at >= hooks.FAILING_AFTER:
            hooks.mark_failing(s, conference, s.get(Event, conference.event_id), reason, now)


def _refused(ctx: Context, conference_id: int, reason: str) -> None:
    log.warning("conference %s refused: %s", conference_id, reason)
    with database.write(ctx.sessions) as s:
        conference = s.get(Conference, conference_id)
        if conference is not None:
            hooks.mark_failing(s, conference, s.get(Event, conference.event_id), reason, ctx.now())


def _record(
    ctx: Context,
    conference_id: int,
    meeting: Meeting,
    details: Details,
    poll: int,
    profile_id: int,
    provider_name: str,
    kind: str | None = None,
):
    now = ctx.now()
    with database.write(ctx.sessions) as s:
        conference = s.get(Conference, conference_id)
        # The event went while the meeting was being made, or a concurrent run of this job
        # recorded its own meeting first: this one is surplus, delete it.
        if conference is None or conference.status == "assigned":
            kept = conference.meeting_id if conference is not None else None
            if meeting.meeting_id and meeting.meeting_id != kept:
                s.add(
                    Job(
                        kind=DELETE,
                        payload={
                            "profile_id": profile_id,
                            "provider_name": provider_name,
                            "meeting_id": meeting.meeting_id,
                            "meeting_kind": kind,
                        },
                    )
                )
            return
        event = s.get(Event, conference.event_id)
        conference.meeting_id = meeting.meeting_id or conference.meeting_id
        conference.meeting_kind = kind
        if meeting.join_url is None:  # Google: the conference is still being made
            if poll >= MAX_POLLS:
                reason = "The provider did not finish the meeting."
                hooks.mark_failing(s, conference, event, reason, now)
                return
            s.add(
                Job(
                    kind=ASSIGN,
                    payload={"conference_id": conference_id, "poll": poll + 1},
                    run_at=now + timedelta(seconds=min(30, 2**poll)),
                )
            )
            return
        if not is_https_url(meeting.join_url) and provider_name != "jitsi":
            reason = "The provider's join link is not an https URL."
            hooks.mark_failing(s, conference, event, reason, now)
            return
        conference.join_url = meeting.join_url
        conference.status, conference.error = "assigned", None
        conference.pushed = _fingerprint_of(details)
        s.flush()
        if conference.pushed != fingerprint(event) and conference.meeting_id:
            from .events import changed

            changed(s, event, conference)
        _release_mail(s, conference, event, now)
        hooks.conferencing_assigned(s, event, conference, now)


def _fingerprint_of(details: Details) -> str:
    probe = Event(summary=details.summary, start_at=details.start, end_at=details.end)
    return fingerprint(probe)


def _release_mail(s: Session, conference: Conference, event: Event, now) -> None:
    """The booking confirmation waits for the join link: send it now if it hasn't gone yet,
    else send the link in a follow-up."""
    if event.booking_id is None:
        return
    held = s.get(Job, conference.mail_job_id) if conference.mail_job_id else None
    if held is not None and held.status == "pending" and held.attempts == 0:
        held.run_at = now
        return
    booking = s.get(Booking, event.booking_id)
    if booking is not None and booking.status == "confirmed":
        s.add(Job(kind=LINK_ADDED_MAIL, payload={"booking_id": booking.public_id}))


def update(ctx: Context, conference_id: int) -> None:
    """Push the event's summary and times to the provider's meeting."""
    with ctx.sessions() as s:
        conference = s.get(Conference, conference_id)
        if conference is None or not conference.meeting_id or not conference.profile_id:
            return
        event = s.get(Event, conference.event_id)
        if fingerprint(event) == conference.pushed:
            return
        details = _details(event, conference)
        profile = s.get(Profile, conference.profile_id)
        adapter = adapter_for(profile.provider_name, conference.meeting_kind) if profile else None
        meeting_id, profile_id = conference.meeting_id, conference.profile_id
    if adapter is None:
        return
    try:
        _with_token(
            ctx,
            profile_id,
            None,
            lambda token, url: adapter.update(ctx.outbound, url, token, meeting_id, details),
        )
    except MeetingRefused as exc:
        log.warning("conference %s: update refused: %s", conference_id, exc)
        return
    with database.write(ctx.sessions) as s:
        conference = s.get(Conference, conference_id)
        if conference is not None:
            conference.pushed = _fingerprint_of(details)


def delete(
    ctx: Context, profile_id: int, provider_name: str, meeting_id: str, kind: str | None = None
) -> None:
    """Delete a released meeting (its event was deleted, cancelled or re-pointed)."""
    adapter = adapter_for(provider_name, kind)
    with ctx.sessions() as s:
        profile = s.get(Profile, profile_id)
    if adapter is None or profile is None:
        return  # the service was removed: nothing we can reach any more
    try:
        _with_token(
            ctx,
            profile_id,
            None,
            lambda token, url: adapter.delete(ctx.outbound, url, token, meeting_id),
        )
    except MeetingRefused as exc:
        log.warning("meeting %s (%s): delete refused: %s", meeting_id, provider_name, exc)


def requeue_waiting(s: Session, profile: Profile, now: datetime) -> int:
    """After the host reconnects a profile: its waiting meetings are made now. A meeting
    whose job is still retrying has that job brought forward (never a second job, which
    could make a second meeting); one whose job gave up gets a new job."""
    waiting = {
        c.id: c
        for c in s.scalars(
            select(Conference).where(
                Conference.profile_id == profile.id, Conference.status != "assigned"
            )
        )
    }
    if not waiting:
        return 0
    queued = s.scalars(select(Job).where(Job.kind == ASSIGN, Job.status == "pending"))
    for job in queued:
        if job.payload.get("conference_id") in waiting:
            job.run_at = now
            waiting[job.payload["conference_id"]].status = "pending"
            del waiting[job.payload["conference_id"]]
    for conference in waiting.values():
        conference.status = "pending"
        s.add(Job(kind=ASSIGN, payload={"conference_id": conference.id}, run_at=now))
    return len(waiting)
