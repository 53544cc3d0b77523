"""How an event's conferencing reads in the API and in push notifications."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..calendars import booking_fields, event_to_dict
from ..models import Conference, Event


def to_dict(conference: Conference | None) -> dict | None:
    """The API's view: pending until a join link exists, then the details."""
    if conference is None:
        return None
    if conference.status != "assigned" or not conference.join_url:
        return {"pending": True}
    return {
        "provider_name": conference.provider_name,
        "provider_description": conference.provider_description,
        "join_url": conference.join_url,
    }


def event_item(session: Session, event: Event, calendar_public_id: str | None) -> dict:
    """The event exactly as GET /v1/events lists it, conferencing included: what webhook
    bodies carry."""
    item = event_to_dict(event, calendar_public_id) | booking_fields(session, [event]).get(
        event.id, {}
    )
    conference = session.scalar(select(Conference).where(Conference.event_id == event.id))
    if conference is not None:
        item["conferencing"] = to_dict(conference)
    return item
