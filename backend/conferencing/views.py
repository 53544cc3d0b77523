"""How an event's conferencing reads in the API and in push notifications."""

from __future__ import annotations

from ..models import Conference


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
