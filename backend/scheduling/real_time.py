"""Real-Time Scheduling (Cronofy's `POST /v1/real_time_scheduling`): a scheduling link of
kind "real_time" made from an availability query. It is the same row, the same booking page
and the same `book` as any link; what is particular lives here: validating the request,
writing the event template into the target calendars when `book` runs (a hook in its
transaction), the callbacks, and the Cronofy-shaped status object. Flask-free."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import notifications
from ..availability import QueryError, foreign_calendars, parse_query, parse_sequence
from ..conferencing import check_spec, parse_spec
from ..core.ids import looks_like_id, new_id
from ..core.outbound import Outbound
from ..core.text import clean_multiline, clean_text
from ..core.validation import FieldErrors, dotted, format_utc, is_tzid, parse_utc, redirect_origin
from ..models import Account, Booking, Calendar, Event, LinkHost, SchedulingLink
from ..notifications.urls import checked_url
from .links import LinkNotFound, effective_status

KIND = "real_time"
PREFIX = "sch"
CALLBACKS = ("completed_url", "no_times_suitable_url", "no_times_displayed_url")
SLOT_SELECTED = "slot_selected"
NO_TIMES_SUITABLE = "no_times_suitable"
NO_TIMES_DISPLAYED = "no_times_displayed"
MAX_TARGETS = 20
MAX_NOTICE_MINUTES = 60 * 24 * 365


def _prefixed(errors: FieldErrors, inner: FieldErrors, prefix: str) -> None:
    for field, items in inner.errors.items():
        for item in items:
            errors.errors.setdefault(f"{prefix}.{field}", []).append(item)


def _visible(session: Session, caller: Account, subs: set[str]) -> dict[str, Account]:
    """The caller and accounts of its organization, as `POST /v1/availability` sees them."""
    wanted = {s for s in subs if isinstance(s, str) and looks_like_id(s, "acc")}
    rows = session.scalars(select(Account).where(Account.sub.in_(wanted))).all() if wanted else []
    return {
        a.sub: a
        for a in rows
        if a.id == caller.id
        or (caller.organization_id is not None and a.organization_id == caller.organization_id)
    }


def _event(raw: object, errors: FieldErrors, outbound: Outbound | None):
    """The event template: upsert-event fields; `tzid` required, `attendees` not supported."""
    if not isinstance(raw, dict):
        errors.add("event", "required" if raw is None else "invalid", "event must be an object.")
        return None, None, None
    event: dict = {}
    event_id = raw.get("event_id")
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 200:
        errors.add("event.event_id", "required", "event.event_id is required (1-200 chars).")
    else:
        event["event_id"] = event_id
    summary = raw.get("summary")
    summary = clean_text(summary[:2000])[:300] if isinstance(summary, str) else None
    if not summary:
        errors.add("event.summary", "required", "event.summary is required.")
    else:
        event["summary"] = summary
    description = raw.get("description")
    if description is not None:
        if not isinstance(description, str) or len(description) > 8000:
            errors.add("event.description", "invalid", "description: a string, 8000 at most.")
        else:
            event["description"] = clean_multiline(description)
    tzid = raw.get("tzid")
    if tzid is None:
        errors.add("event.tzid", "required", "event.tzid is required.")
    elif not is_tzid(tzid):
        errors.add("event.tzid", "invalid", "Unknown time zone; use an IANA id.")
    else:
        event["tzid"] = tzid
    location = raw.get("location")
    if location is not None:
        text = location.get("description") if isinstance(location, dict) else None
        if not isinstance(text, str):
            errors.add("event.location", "invalid", 'location must be {"description": "..."}.')
        else:
            event["location"] = {"description": clean_text(text)[:500]}
    if raw.get("attendees") is not None:
        errors.add("event.attendees", "not_supported", "attendees are not supported here.")
    transparency = raw.get("transparency")
    if transparency is not None and transparency not in ("opaque", "transparent"):
        errors.add("event.transparency", "invalid", "transparency is opaque or transparent.")
    inner = FieldErrors()
    spec = parse_spec(raw.get("conferencing"), inner)
    subscriptions = None
    if raw.get("subscriptions") is not None:
        if outbound is None:
            inner.add("subscriptions", "invalid", "subscriptions cannot be set here.")
        else:
            subscriptions = notifications.parse_subscriptions(raw["subscriptions"], outbound, inner)
    _prefixed(errors, inner, "event")
    if spec is not None:
        event["conferencing"] = spec.to_json()
    return event, spec, subscriptions


def _availability(raw: object, errors: FieldErrors, now: datetime, limits: dict):
    """The Cronofy availability query, parsed by the same `parse_query` as
    `POST /v1/availability`; `query_slots` become one period per slot. Every period must end
    in the future. Returns (normalised query as stored, parsed Query)."""
    if not isinstance(raw, dict):
        errors.add("availability", "required" if raw is None else "invalid", "Give an object.")
        return None, None
    data = dict(raw)
    if "query_slots" in data:
        slots = data.pop("query_slots")
        minutes = data.get("required_duration")
        minutes = minutes.get("minutes") if isinstance(minutes, dict) else minutes
        if "query_periods" in data or "available_periods" in data:
            errors.add("availability.query_slots", "invalid", "Give query_slots or periods.")
            return None, None
        if not isinstance(slots, list) or not 1 <= len(slots) <= limits["periods"]:
            errors.add(
                "availability.query_slots", "invalid", f"Give 1 to {limits['periods']} slots."
            )
            return None, None
        if isinstance(minutes, int) and not isinstance(minutes, bool) and 1 <= minutes <= 1440:
            periods = []
            for i, slot in enumerate(slots):
                start = parse_utc(slot.get("start")) if isinstance(slot, dict) else None
                if start is None:
                    errors.add(f"availability.query_slots.{i}.start", "invalid", "RFC 3339 time.")
                    continue
                if start.year > 9998:
                    errors.add(f"availability.query_slots.{i}.start", "invalid", "Too far away.")
                    continue
                end = start + timedelta(minutes=minutes)
                periods.append({"start": format_utc(start), "end": format_utc(end)})
            data["query_periods"] = periods
    try:
        query = parse_query(data, max_periods=limits["periods"], max_span_days=limits["span_days"])
    except QueryError as exc:
        for field, items in dotted(exc.errors).items():
            errors.errors.setdefault(f"availability.{field}", []).extend(items)
        return None, None
    key = "query_periods" if "query_periods" in data else "available_periods"
    for i, (_start, end) in enumerate(query.query_periods):
        if end <= now:
            errors.add(f"availability.{key}.{i}.end", "invalid", "This period is in the past.")
    stored = {
        "participants": [
            {
                "members": [
                    {"sub": m.sub, "managed_availability": m.managed_availability}
                    | (
                        {
                            "available_periods": [
                                {"start": format_utc(a), "end": format_utc(b)}
                                for a, b in m.available_periods
                            ]
                        }
                        if m.available_periods is not None
                        else {}
                    )
                    for m in g.members
                ],
                "required": g.required,
            }
            for g in query.groups
        ],
        "required_duration": {"minutes": int(query.duration.total_seconds() // 60)},
        "query_periods": [
            {"start": format_utc(a), "end": format_utc(b)} for a, b in query.query_periods
        ],
        "buffer": {
            "before": {"minutes": int(query.buffer_before.total_seconds() // 60)},
            "after": {"minutes": int(query.buffer_after.total_seconds() // 60)},
        },
    }
    if query.start_interval is not None:
        stored["start_interval"] = {"minutes": int(query.start_interval.total_seconds() // 60)}
    return stored, query


def _target_subs(raw) -> set[str]:
    if not isinstance(raw, list):
        return set()
    return {t["sub"] for t in raw if isinstance(t, dict) and isinstance(t.get("sub"), str)}


def _step_events(availability: dict, errors: FieldErrors) -> dict:
    """Each step's own `event` (merged over the top-level one when booked), validated as the
    top-level one is, but with nothing required. The stored copy has them cleaned."""
    stored = dict(availability)
    steps = stored.get("sequence")
    if not isinstance(steps, list):
        return stored
    stored["sequence"] = []
    for i, step in enumerate(steps):
        step = dict(step) if isinstance(step, dict) else step
        raw = step.get("event") if isinstance(step, dict) else None
        if isinstance(raw, dict):
            inner = FieldErrors()
            event, _spec, _subs = _event(
                {"event_id": "x", "summary": "x", "tzid": "UTC", **raw}, inner, None
            )
            _prefixed(errors, inner, f"availability.sequence.{i}")
            step["event"] = {k: v for k, v in (event or {}).items() if k in raw}
        stored["sequence"].append(step)
    return stored


def _targets(session, raw, visible: dict[str, Account], errors: FieldErrors) -> list[dict]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_TARGETS:
        why = f"Give 1 to {MAX_TARGETS} target calendars: [{{sub, calendar_id}}]."
        errors.add("target_calendars", "required" if raw is None else "invalid", why)
        return []
    out = []
    for i, item in enumerate(raw):
        sub = item.get("sub") if isinstance(item, dict) else None
        cal_id = item.get("calendar_id") if isinstance(item, dict) else None
        account = visible.get(sub) if isinstance(sub, str) else None
        if account is None:
            errors.add(f"target_calendars.{i}.sub", "unknown_sub",
                       "No account with this sub among the query's participants.")  # fmt: skip
            continue
        calendar = None
        if isinstance(cal_id, str) and looks_like_id(cal_id, "cal"):
            calendar = session.scalar(
                select(Calendar).where(
                    Calendar.public_id == cal_id,
                    Calendar.account_id == account.id,
                    Calendar.deleted.is_(False),
                )
            )
        if calendar is None:
            errors.add(f"target_calendars.{i}.calendar_id", "not_found",
                       "No calendar with this id belongs to this sub.")  # fmt: skip
            continue
        out.append({"sub": sub, "calendar_id": cal_id})
    return out


def _notice(raw, errors: FieldErrors) -> int | None:
    if raw is None:
        return None
    units = {"minutes": 1, "hours": 60, "days": 1440}
    if isinstance(raw, dict) and len(raw) == 1 and next(iter(raw)) in units:
        ((unit, value),) = raw.items()
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        if ok and value * units[unit] <= MAX_NOTICE_MINUTES:
            return value * units[unit]
    errors.add("minimum_notice", "invalid", 'minimum_notice is {"minutes"|"hours"|"days": n}.')
    return None


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
    event, spec, subscriptions = _event(payload.get("event"), errors, outbound)
    stored, query = _availability(payload.get("availability"), errors, now, limits)
    subs = query.subs() if query else set()
    raw_targets = payload.get("target_calendars")
    target_subs = _target_subs(raw_targets)
    visible = _visible(session, account, subs | {s for s in target_subs if isinstance(s, str)})
    if query:
        for i, group in enumerate(query.groups):
            for j, member in enumerate(group.members):
                if member.sub not in visible:
                    errors.add(f"availability.participants.{i}.members.{j}.sub", "unknown_sub",
                               "No account with this sub that you may query.")  # fmt: skip
    targets = _targets(session, raw_targets, {s: a for s, a in visible.items() if s in subs},
                       errors)  # fmt: skip
    callbacks = _callbacks(payload, outbound, errors)
    completed_redirect = _completed_redirect(payload, errors)
    notice = _notice(payload.get("minimum_notice"), errors)
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
        conferencing=spec.to_json() if spec else None,
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
    event, spec, subscriptions = _event(raw_event, errors, outbound)
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
    target_subs = _target_subs(raw_targets)
    visible = _visible(session, account, subs | {s for s in target_subs if isinstance(s, str)})
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
    targets = _targets(session, raw_targets, {s: a for s, a in visible.items() if s in subs},
                       errors)  # fmt: skip
    callbacks = _callbacks(payload, outbound, errors)
    notice = _notice(payload.get("minimum_notice"), errors)
    stored = _step_events(availability, errors) if isinstance(availability, dict) else None
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
        conferencing=spec.to_json() if spec else None, hosts_required="all", created_at=now,
        kind=KIND, rts_query=stored, rts_event=event, target_calendars=targets,
        event_creation="default", callback_urls=callbacks or None,
        redirect_completed_url=_completed_redirect(payload, errors),
        minimum_notice_minutes=notice,
    )  # fmt: skip
    link.hosts = [LinkHost(account_id=h.id, position=i) for i, h in enumerate(hosts)]
    session.add(link)
    session.flush()
    notifications.set_link_subscriptions(session, account.id, link.id, subscriptions)
    return link


def _callbacks(payload, outbound, errors: FieldErrors) -> dict[str, str]:
    callbacks: dict[str, str] = {}
    raw = payload.get("callback_urls")
    if raw is not None and not isinstance(raw, dict):
        errors.add("callback_urls", "invalid", "callback_urls must be an object.")
        raw = None
    for name in CALLBACKS:
        value = (raw or {}).get(name)
        if value is not None:
            url = checked_url(outbound, value, f"callback_urls.{name}", errors)
            if url:
                callbacks[name] = url
    if payload.get("callback_url") is not None and "completed_url" not in callbacks:
        url = checked_url(outbound, payload["callback_url"], "callback_url", errors)
        if url:
            callbacks["completed_url"] = url  # the deprecated single callback
    return callbacks


def _completed_redirect(payload, errors: FieldErrors) -> str | None:
    redirect_urls = payload.get("redirect_urls")
    if redirect_urls is None:
        return None
    value = redirect_urls.get("completed_url") if isinstance(redirect_urls, dict) else None
    if not isinstance(redirect_urls, dict) or (
        value is not None and redirect_origin(value) is None
    ):
        errors.add("redirect_urls.completed_url", "invalid", "Give an absolute http(s) URL.")
        return None
    return value


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


def _calendars(session: Session, link: SchedulingLink) -> list[Calendar]:
    targets = link.target_calendars or []
    if link.event_creation == "single":
        targets = targets[:1]
    ids = [t["calendar_id"] for t in targets]
    rows = {
        c.public_id: c for c in session.scalars(select(Calendar).where(Calendar.public_id.in_(ids)))
    }
    return [rows[i] for i in ids if i in rows]


def on_booked(
    session: Session,
    link: SchedulingLink,
    booking: Booking,
    events: list[Event],
    now: datetime,
    chosen=None,
) -> None:
    """In `book`'s transaction: the seat events take the template (event_id, summary,
    description, location, tzid) and move into the target calendars of their hosts (local
    calendars; a connected target calendar gets its copy through the host's booking
    writes); a further target calendar of a seated host gets a copy, also owned by the
    booking (so cancel and reschedule move it too). Then the `completed_url` callback."""
    placements = getattr(chosen, "placements", ())
    if placements:
        _write_sequence(session, link, booking, events, placements)
        _completed(session, link, now)
        return
    template = link.rts_event or {}
    by_account: dict[int, list[Event]] = {}
    for e in events:
        account_id = session.scalar(select(Calendar.account_id).where(Calendar.id == e.calendar_id))
        by_account.setdefault(account_id, []).append(e)
    written: list[Event] = []
    for calendar in _calendars(session, link):
        own = by_account.get(calendar.account_id)
        if not own:
            continue  # a host not seated (round robin): nothing of this booking to write
        if calendar.profile_id is not None:
            target = own[0]  # stays in the local calendar; booking writes copy it out
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
        _template(session, target, template)
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


def _write_sequence(session, link, booking, events, placements) -> None:
    """Real-time sequencing: every step's event, at the step's time, for each seated host who
    takes part in it, in that host's first target calendar (else where the seat's event is):
    a host's first step reuses the seat's event (it carries the meeting and the
    subscriptions), later steps are further events owned by the booking."""
    steps = {st.get("sequence_id"): st for st in (link.rts_query or {}).get("sequence", [])}
    template = link.rts_event or {}
    account_of = {
        e.id: session.scalar(select(Calendar.account_id).where(Calendar.id == e.calendar_id))
        for e in events
    }
    subs = dict(session.execute(select(Account.sub, Account.id).where(
        Account.id.in_(set(account_of.values())))).all())  # fmt: skip
    target_of: dict[int, Calendar] = {}
    for calendar in _calendars(session, link):
        if calendar.profile_id is None:
            target_of.setdefault(calendar.account_id, calendar)
    unused = {account_of[e.id]: e for e in reversed(events)}
    for placement in placements:
        step_event = {**template, **(steps.get(placement.sequence_id, {}).get("event") or {})}
        step_event.setdefault("event_id", placement.sequence_id)
        for sub in placement.participants:
            account_id = subs.get(sub)
            if account_id is None:
                continue
            event = unused.pop(account_id, None)
            if event is None:
                seat = next(e for e in events if account_of[e.id] == account_id)
                target = target_of.get(account_id)
                event = Event(
                    calendar_id=target.id if target else seat.calendar_id,
                    event_uid=f"{booking.public_id}/{placement.sequence_id}",
                    summary=link.summary,
                    description="",
                    tzid=seat.tzid,
                    booking_id=booking.id,
                )
                session.add(event)
            elif account_id in target_of:
                event.calendar_id = target_of[account_id].id
            event.start_at, event.end_at = placement.start, placement.end
            session.flush()
            _template(session, event, step_event)


def _template(session: Session, event: Event, template: dict) -> None:
    uid = template.get("event_id")
    if uid:
        clash = session.scalar(
            select(Event).where(Event.calendar_id == event.calendar_id, Event.event_uid == uid)
        )
        if clash is not None and clash.id != event.id and clash.booking_id is None:
            session.delete(clash)  # an upsert by event_id: the booked time replaces it
            session.flush()
            clash = None
        if clash is None:
            event.event_uid = uid
    event.summary = template.get("summary") or event.summary
    if template.get("description"):
        event.description = template["description"]
    if template.get("location"):
        event.location = template["location"]["description"][:500] or None
    if template.get("tzid"):
        event.tzid = template["tzid"]
    session.flush()


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
