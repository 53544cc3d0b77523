"""Reading a Real-Time Scheduling request: the event template, the availability query, the
target calendars, notice and callbacks, each checked with Cronofy-shaped 422 errors before
anything is stored. Flask-free."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import notifications
from ..availability import QueryError, parse_query
from ..conferencing import parse_spec
from ..core.ids import looks_like_id
from ..core.outbound import Outbound
from ..core.text import clean_multiline, clean_text
from ..core.validation import FieldErrors, dotted, format_utc, is_tzid, parse_utc, redirect_origin
from ..models import Account, Calendar
from ..notifications.urls import checked_url

CALLBACKS = ("completed_url", "no_times_suitable_url", "no_times_displayed_url")
MAX_TARGETS = 20
MAX_NOTICE_MINUTES = 60 * 24 * 365


def add_prefixed(errors: FieldErrors, inner: FieldErrors, prefix: str) -> None:
    for field, items in inner.errors.items():
        for item in items:
            errors.errors.setdefault(f"{prefix}.{field}", []).append(item)


def visible_accounts(session: Session, caller: Account, subs: set[str]) -> dict[str, Account]:
    """The caller and accounts of its organization, as `POST /v1/availability` sees them."""
    wanted = {s for s in subs if isinstance(s, str) and looks_like_id(s, "acc")}
    rows = session.scalars(select(Account).where(Account.sub.in_(wanted))).all() if wanted else []
    return {
        a.sub: a
        for a in rows
        if a.id == caller.id
        or (caller.organization_id is not None and a.organization_id == caller.organization_id)
    }


def read_event(raw: object, errors: FieldErrors, outbound: Outbound | None):
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
    add_prefixed(errors, inner, "event")
    if spec is not None:
        event["conferencing"] = spec.to_json()
    return event, spec, subscriptions


def read_availability(raw: object, errors: FieldErrors, now: datetime, limits: dict):
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


def target_subs(raw) -> set[str]:
    if not isinstance(raw, list):
        return set()
    return {t["sub"] for t in raw if isinstance(t, dict) and isinstance(t.get("sub"), str)}


def step_events(availability: dict, errors: FieldErrors) -> dict:
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
            event, _spec, _subs = read_event(
                {"event_id": "x", "summary": "x", "tzid": "UTC", **raw}, inner, None
            )
            add_prefixed(errors, inner, f"availability.sequence.{i}")
            step["event"] = {k: v for k, v in (event or {}).items() if k in raw}
        stored["sequence"].append(step)
    return stored


def read_targets(session, raw, visible: dict[str, Account], errors: FieldErrors) -> list[dict]:
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


def read_notice(raw, errors: FieldErrors) -> int | None:
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


def read_callbacks(payload, outbound, errors: FieldErrors) -> dict[str, str]:
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


def completed_redirect(payload, errors: FieldErrors) -> str | None:
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
