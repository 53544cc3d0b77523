"""Real-Time Scheduling (Cronofy's `POST /v1/real_time_scheduling`): a scheduling link of
kind "real_time" made from an availability query. It is the same row, the same booking page
and the same `book` as any link; what is particular lives here (the request itself is read by
`real_time_request`): making the link, writing the event template into the target calendars
when `book` runs (a hook in its transaction), the callbacks, and the Cronofy-shaped status
object. Flask-free."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import notifications
from ..availability import QueryError, foreign_calendars, parse_sequence
from ..conferencing import Spec, check_spec
from ..core.ids import looks_like_id, new_id
from ..core.outbound import Outbound
from ..core.validation import FieldErrors, dotted, format_utc, is_tzid, redirect_origin
from ..models import Account, Booking, Calendar, Event, LinkHost, SchedulingLink
from . import real_time_request as request
from . import rts_events
from .links import LinkNotFound, effective_status

KIND = "real_time"
PREFIX = "sch"
SLOT_SELECTED = "slot_selected"
NO_TIMES_SUITABLE = "no_times_suitable"
NO_TIMES_DISPLAYED = "no_times_displayed"

# Cronofy adds a meeting to a real-time event only when the request's event asks for one.
NO_MEETING = Spec("none")


def create_real_time(
    session: Session,
    account: Account,
    payload: object,
    now: datetime,
    outbound: Outbound,
    limits: dict | None = None,
) -> SchedulingLink:
    """Validate everything (422 keyed by field path; nothing stored on any error), then make
    the link: the query's participants become its hosts (in order, each once); one group with
    `required: 1` is a round robin, anything else is collective in `hosts_required` terms while
    the stored query decides what is offered and who is seated."""
    limits = limits or {"periods": 50, "span_days": 35}
    errors = FieldErrors()
    if not isinstance(payload, dict):
        errors.add("body", "invalid", "The request body must be a JSON object.")
        errors.raise_if_any()
    oauth = payload.get("oauth")
    redirect_uri = oauth.get("redirect_uri") if isinstance(oauth, dict) else None
    if oauth is not None and not isinstance(oauth, dict):
        errors.add("oauth", "invalid", 'oauth must be {"redirect_uri": "..."}.')
    elif redirect_origin(redirect_uri) is None:
        errors.add("oauth.redirect_uri", "required" if redirect_uri is None else "invalid",
                   "oauth.redirect_uri must be an absolute http(s) URL.")  # fmt: skip
    event, spec, subscriptions = request.read_event(payload.get("event"), errors, outbound)
    stored, query = request.read_availability(payload.get("availability"), errors, now, limits)
    subs = query.subs() if query else set()
    raw_targets = payload.get("target_calendars")
    target_subs = request.target_subs(raw_targets)
    visible = request.visible_accounts(
        session, account, subs | {s for s in target_subs if isinstance(s, str)}
    )
    if query:
        for i, group in enumerate(query.groups):
            for j, member in enumerate(group.members):
                if member.sub not in visible:
                    errors.add(f"availability.participants.{i}.members.{j}.sub", "unknown_sub",
                               "No account with this sub that you may query.")  # fmt: skip
    targeted = {s: a for s, a in visible.items() if s in subs}
    targets = request.read_targets(session, raw_targets, targeted, errors)
    callbacks = request.read_callbacks(payload, outbound, errors)
    completed_redirect = request.completed_redirect(payload, errors)
    notice = request.read_notice(payload.get("minimum_notice"), errors)
    creation = payload.get("event_creation", "default")
    if creation is None:
        creation = "default"
    if creation not in ("default", "single"):
        errors.add("event_creation", "invalid", 'event_creation is "default" or "single".')
    tzid = payload.get("tzid")
    if tzid is not None and not is_tzid(tzid):
        errors.add("tzid", "invalid", "Unknown time zone; use an IANA id.")
    errors.raise_if_any()
    check_spec(session, account, spec)
    hosts: list[Account] = []
    for group in query.groups:
        for member in group.members:
            if visible[member.sub] not in hosts:
                hosts.append(visible[member.sub])
    round_robin = len(query.groups) == 1 and query.groups[0].required == 1 and len(hosts) > 1
    last_end = max(b for _, b in query.query_periods)
    contact = {
        "name": None, "email": None, "organization": None, "title": None, "phone": None,
        "tzid": tzid or event.get("tzid"), "reference": event.get("event_id"), "summary": None,
        "duration_minutes": None, "source": "real_time",
    }  # fmt: skip
    link = SchedulingLink(
        public_id=new_id(PREFIX),
        account_id=account.id,
        contact=contact,
        summary=event["summary"],
        duration_minutes=int(query.duration.total_seconds() // 60),
        expires_at=max(last_end, now + timedelta(minutes=1)),
        max_uses=1,
        uses=0,
        status="open",
        query_periods=stored["query_periods"],
        conferencing=(spec or NO_MEETING).to_json(),
        hosts_required="1" if round_robin else "all",
        created_at=now,
        kind=KIND,
        rts_query=stored,
        rts_event=event,
        target_calendars=targets,
        event_creation=creation,
        callback_urls=callbacks or None,
        redirect_completed_url=completed_redirect,
        minimum_notice_minutes=notice,
    )
    link.hosts = [LinkHost(account_id=h.id, position=i) for i, h in enumerate(hosts)]
    session.add(link)
    session.flush()
    notifications.set_link_subscriptions(session, account.id, link.id, subscriptions)
    return link


def create_real_time_sequence(
    session: Session,
    account: Account,
    payload: object,
    now: datetime,
    outbound: Outbound,
    limits: dict | None = None,
) -> SchedulingLink:
    """`POST /v1/real_time_sequencing`: the same link, its `availability` a sequence (parsed
    by `parse_sequence`, as `POST /v1/sequenced_availability`). The page offers one choice
    per option (its first step's start); booking it writes every step's event."""
    limits = limits or {"periods": 50, "span_days": 35}
    errors = FieldErrors()
    if not isinstance(payload, dict):
        errors.add("body", "invalid", "The request body must be a JSON object.")
        errors.raise_if_any()
    oauth = payload.get("oauth")
    redirect_uri = oauth.get("redirect_uri") if isinstance(oauth, dict) else None
    if redirect_origin(redirect_uri) is None:
        errors.add("oauth.redirect_uri", "required" if redirect_uri is None else "invalid",
                   "oauth.redirect_uri must be an absolute http(s) URL.")  # fmt: skip
    raw_event = payload.get("event")
    event, spec, subscriptions = request.read_event(raw_event, errors, outbound)
    query = None
    availability = payload.get("availability")
    if not isinstance(availability, dict):
        errors.add("availability", "required" if availability is None else "invalid",
                   "availability must be an object with a sequence.")  # fmt: skip
    else:
        try:
            query = parse_sequence(availability, now=now, max_periods=limits["periods"],
                                   max_span_days=limits["span_days"])  # fmt: skip
        except QueryError as exc:
            for field, items in dotted(exc.errors).items():
                errors.errors.setdefault(f"availability.{field}", []).extend(items)
    subs = {sub for sub, _ in query.calendar_keys()} if query else set()
    raw_targets = payload.get("target_calendars")
    target_subs = request.target_subs(raw_targets)
    visible = request.visible_accounts(
        session, account, subs | {s for s in target_subs if isinstance(s, str)}
    )
    if query:
        for step in query.steps:
            for gi, mj, member, _ in step.members():
                if member.sub not in visible:
                    errors.add(
                        f"availability.sequence.{step.index}.participants.{gi}.members.{mj}.sub",
                        "unknown_sub", "No account with this sub that you may query.",
                    )  # fmt: skip
        if all(sub in visible for sub in subs):
            for field, items in dotted(foreign_calendars(session, query, visible)).items():
                errors.errors.setdefault(f"availability.{field}", []).extend(items)
    targeted = {s: a for s, a in visible.items() if s in subs}
    targets = request.read_targets(session, raw_targets, targeted, errors)
    callbacks = request.read_callbacks(payload, outbound, errors)
    notice = request.read_notice(payload.get("minimum_notice"), errors)
    stored = request.step_events(availability, errors) if isinstance(availability, dict) else None
    errors.raise_if_any()
    check_spec(session, account, spec)
    hosts: list[Account] = []
    for step in query.steps:
        for _gi, _mj, member, _ in step.members():
            if visible[member.sub] not in hosts:
                hosts.append(visible[member.sub])
    minutes = sum(int(st.duration.total_seconds() // 60) for st in query.steps)
    contact = {
        "name": None, "email": None, "organization": None, "title": None, "phone": None,
        "tzid": event.get("tzid"), "reference": event.get("event_id"), "summary": None,
        "duration_minutes": None, "source": "real_time",
    }  # fmt: skip
    link = SchedulingLink(
        public_id=new_id(PREFIX), account_id=account.id, contact=contact,
        summary=event["summary"], duration_minutes=minutes,
        expires_at=max(max(b for _, b in query.query_periods), now + timedelta(minutes=1)),
        max_uses=1, uses=0, status="open",
        query_periods=[{"start": format_utc(a), "end": format_utc(b)}
                       for a, b in query.query_periods],
        conferencing=(spec or NO_MEETING).to_json(), hosts_required="all", created_at=now,
        kind=KIND, rts_query=stored, rts_event=event, target_calendars=targets,
        event_creation="default", callback_urls=callbacks or None,
        redirect_completed_url=request.completed_redirect(payload, errors),
        minimum_notice_minutes=notice,
    )  # fmt: skip
    link.hosts = [LinkHost(account_id=h.id, position=i) for i, h in enumerate(hosts)]
    session.add(link)
    session.flush()
    notifications.set_link_subscriptions(session, account.id, link.id, subscriptions)
    return link


def get_real_time(session: Session, account: Account, public_id: str) -> SchedulingLink:
    if not isinstance(public_id, str) or not looks_like_id(public_id, PREFIX):
        raise LinkNotFound(public_id)
    link = session.scalar(
        select(SchedulingLink).where(
            SchedulingLink.public_id == public_id,
            SchedulingLink.account_id == account.id,
            SchedulingLink.kind == KIND,
        )
    )
    if link is None:
        raise LinkNotFound(public_id)
    return link


def rts_status(link: SchedulingLink, now: datetime) -> str:
    """Cronofy's three: a link whose periods have passed is still `open` (nothing to pick)."""
    status = effective_status(link, now)
    return "open" if status == "expired" else status


def rts_to_dict(link: SchedulingLink, now: datetime, url: str | None) -> dict:
    event = dict(link.rts_event or {})
    confirmed = [b for b in link.bookings if b.status == "confirmed"]
    if confirmed:
        event["start"] = format_utc(confirmed[-1].start_at)
        event["end"] = format_utc(confirmed[-1].end_at)
    data = {"real_time_scheduling_id": link.public_id}
    if url is not None:
        data["url"] = url
    data["event"] = event
    data["status"] = rts_status(link, now)
    if link.display_message:
        data["display_message"] = link.display_message
    return data


def on_booked(
    session: Session,
    link: SchedulingLink,
    booking: Booking,
    events: list[Event],
    now: datetime,
    chosen=None,
) -> None:
    """In `book`'s transaction: the seat events take the template (event_id, summary,
    description, location, tzid) and move into the target calendars of their hosts; a
    connected target calendar is written by the booking-write job (the seat event stays in
    the local calendar); a further local target calendar of a seated host gets a copy, also
    owned by the booking (so cancel and reschedule move it too). Then the `completed_url`
    callback."""
    placements = getattr(chosen, "placements", ())
    if placements:
        rts_events.write_sequence(session, link, booking, events, placements)
        _completed(session, link, now)
        return
    template = link.rts_event or {}
    by_account: dict[int, list[Event]] = {}
    for e in events:
        account_id = session.scalar(select(Calendar.account_id).where(Calendar.id == e.calendar_id))
        by_account.setdefault(account_id, []).append(e)
    written: list[Event] = []
    targets = rts_events.target_calendars(session, link)
    for calendar in targets:
        own = by_account.get(calendar.account_id)
        if not own:
            continue  # a host not seated (round robin): nothing of this booking to write
        if calendar.profile_id is not None:
            target = own[0]  # stays in the local calendar; the job writes the connected one
            rts_events.write_connected(session, booking, calendar, template["event_id"],
                                       {c.id for c in targets})  # fmt: skip
        elif own[0].id not in {w.id for w in written}:
            target = own[0]
            target.calendar_id = calendar.id
        else:
            first = own[0]
            target = Event(
                calendar_id=calendar.id, event_uid=booking.public_id, summary=first.summary,
                description=first.description, start_at=first.start_at, end_at=first.end_at,
                tzid=first.tzid, booking_id=booking.id,
            )  # fmt: skip
            session.add(target)
        rts_events.apply_template(session, target, template)
        written.append(target)
    session.flush()
    _completed(session, link, now)


def _completed(session: Session, link: SchedulingLink, now: datetime) -> None:
    url = (link.callback_urls or {}).get("completed_url")
    if url:
        session.refresh(link)
        notifications.enqueue(
            session, link.account_id, SLOT_SELECTED,
            {"real_time_scheduling": rts_to_dict(link, now, None)}, now=now, url=url,
        )  # fmt: skip


def report_no_times(session: Session, link, kind: str, now: datetime, once: bool = False) -> bool:
    """Queue the `no_times_suitable_url` / `no_times_displayed_url` callback. `once`: only the
    first time (a conditional UPDATE, so two page views at once report it once)."""
    name = "no_times_suitable_url" if kind == NO_TIMES_SUITABLE else "no_times_displayed_url"
    url = (link.callback_urls or {}).get(name)
    if not url:
        return False
    if once:
        done = session.execute(
            update(SchedulingLink)
            .where(SchedulingLink.id == link.id, SchedulingLink.no_times_reported_at.is_(None))
            .values(no_times_reported_at=now)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            return False
    row = session.get(SchedulingLink, link.id)
    notifications.enqueue(
        session, row.account_id, kind,
        {"real_time_scheduling": rts_to_dict(row, now, None)}, now=now, url=url,
    )  # fmt: skip
    return True
