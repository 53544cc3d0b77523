"""Notification channels: an account's callback URLs with optional filters (Cronofy's
`POST /v1/channels` shape). An identical channel is returned rather than duplicated."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core.ids import looks_like_id, new_id
from ..core.outbound import Outbound
from ..core.validation import FieldErrors
from ..models import Calendar, Channel
from . import types
from .queue import enqueue
from .urls import checked_url

MAX_CHANNELS = 50


class ChannelNotFound(Exception):
    pass


def _filters(session: Session, account_id: int, raw: object, errors: FieldErrors) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.add("filters", "invalid", "filters must be an object.")
        return {}
    filters: dict = {}
    for key in raw:
        if key not in ("calendar_ids", "only_managed", "types"):
            errors.add(
                f"filters.{key}", "unknown", "Known filters: calendar_ids, only_managed, types."
            )
    ids = raw.get("calendar_ids")
    if ids is not None:
        known = set(
            session.scalars(select(Calendar.public_id).where(Calendar.account_id == account_id))
        )
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            errors.add("filters.calendar_ids", "invalid", "calendar_ids must be a list of ids.")
        elif unknown := [i for i in ids if i not in known]:
            errors.add("filters.calendar_ids", "not_found", f"No calendar {unknown[0]!r} here.")
        elif ids:
            filters["calendar_ids"] = sorted(set(ids))
    managed = raw.get("only_managed")
    if managed is not None and not isinstance(managed, bool):
        errors.add("filters.only_managed", "invalid", "only_managed must be true or false.")
    elif managed:
        filters["only_managed"] = True
    wanted = raw.get("types")
    if wanted is not None:
        if not isinstance(wanted, list) or not all(isinstance(t, str) for t in wanted or [0]):
            errors.add("filters.types", "invalid", "types must be a non-empty list of types.")
        elif unknown := [t for t in wanted if t not in types.CHANNEL_TYPES]:
            errors.add(
                "filters.types",
                "invalid",
                f"Unknown type {unknown[0]!r}; known: {', '.join(types.CHANNEL_TYPES)}.",
            )
        else:
            filters["types"] = sorted(set(wanted))
    return filters


def create_channel(
    session: Session, account_id: int, payload: object, outbound: Outbound, now: datetime
) -> tuple[Channel, bool]:
    """The channel and whether it is new (or re-enabled). A new or re-enabled channel is
    sent a `verification` notification, in this transaction."""
    errors = FieldErrors()
    if not isinstance(payload, dict):
        errors.add("body", "invalid", "Send a JSON object.")
        errors.raise_if_any()
    url = checked_url(outbound, payload.get("callback_url"), "callback_url", errors)
    filters = _filters(session, account_id, payload.get("filters"), errors)
    errors.raise_if_any()
    key = json.dumps(filters, sort_keys=True, separators=(",", ":"))
    channel = session.scalar(
        select(Channel).where(
            Channel.account_id == account_id,
            Channel.callback_url == url,
            Channel.filters_key == key,
        )
    )
    if channel is not None and channel.status in ("active", "paused"):  # paused stays paused
        return channel, False
    if channel is None:
        active = session.scalars(
            select(Channel.id).where(Channel.account_id == account_id, Channel.status != "disabled")
        ).all()
        if len(active) >= MAX_CHANNELS:
            errors.add("callback_url", "too_many", f"An account may have {MAX_CHANNELS} channels.")
            errors.raise_if_any()
        channel = Channel(
            public_id=new_id("chn"),
            account_id=account_id,
            callback_url=url,
            filters=filters,
            filters_key=key,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(channel)
        except IntegrityError:  # a concurrent identical request made it first
            channel = session.scalar(
                select(Channel).where(
                    Channel.account_id == account_id,
                    Channel.callback_url == url,
                    Channel.filters_key == key,
                )
            )
            return channel, False
    channel.status, channel.disabled_reason, channel.failing_since = "active", None, None
    session.flush()
    enqueue(
        session,
        account_id,
        types.VERIFICATION,
        {},
        channel=channel,
        now=now,
    )
    return channel, True


def list_channels(session: Session, account_id: int, include_disabled: bool = True):
    query = select(Channel).where(Channel.account_id == account_id)
    if not include_disabled:
        query = query.where(Channel.status == "active")
    return list(session.scalars(query.order_by(Channel.id)))


def get_channel(session: Session, account_id: int, public_id: str) -> Channel:
    channel = None
    if looks_like_id(public_id, "chn"):
        channel = session.scalar(
            select(Channel).where(Channel.public_id == public_id, Channel.account_id == account_id)
        )
    if channel is None:
        raise ChannelNotFound(public_id)
    return channel


def delete_channel(session: Session, account_id: int, public_id: str) -> None:
    """Gone, with its undelivered messages (the rows cascade)."""
    session.delete(get_channel(session, account_id, public_id))
    session.flush()
