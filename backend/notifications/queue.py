"""Writing notifications to the webhook outbox, in the caller's transaction: one message per
matching channel or subscription, its body fixed now, delivered after commit by the worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..core.ids import new_id
from ..core.validation import format_utc
from ..models import Channel, EventSubscription, WebhookMessage
from . import types
from .bodies import channel_to_dict, encode


def enqueue(
    session: Session,
    account_id: int,
    type_: str,
    data: dict,
    *,
    now: datetime,
    channel: Channel | None = None,
    subscription: EventSubscription | None = None,
    notification: dict | None = None,
    url: str | None = None,
) -> WebhookMessage:
    """To a channel, an event subscription, or a plain `url` (a real-time scheduling link's
    callbacks, checked by the outbound guard when they were given)."""
    body = {"notification": {"type": type_, **(notification or {})}}
    if channel is not None:
        body["channel"] = channel_to_dict(channel, with_status=False)
    body.update(data)
    message = WebhookMessage(
        public_id=new_id("msg"),
        account_id=account_id,
        channel_id=channel.id if channel is not None else None,
        subscription_id=subscription.id if subscription is not None else None,
        url=url or (channel.callback_url if channel is not None else subscription.uri),
        type=type_,
        body=encode(body),
        # A paused channel's messages wait, parked, until the host resumes it.
        status="paused" if channel is not None and channel.status == "paused" else "pending",
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    wake_workers(session)
    return message


WAKE_CHANNEL = "schedlink_webhooks"


def wake_workers(session: Session) -> None:
    """PostgreSQL: NOTIFY the idle workers, delivered when (and only if) this transaction
    commits, so a notification is sent within milliseconds instead of at the next poll.
    Once per transaction; SQLite workers poll."""
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if session.info.get("webhooks_woken") is transaction:
        return
    session.info["webhooks_woken"] = transaction
    session.execute(text(f"NOTIFY {WAKE_CHANNEL}"))


def _wants(channel: Channel, type_: str, calendar_id: str | None, managed: bool) -> bool:
    filters = channel.filters or {}
    if "types" in filters and type_ not in filters["types"]:
        return False
    # A calendar filter narrows notifications about events; a link's own news has no calendar.
    if calendar_id is not None and calendar_id not in filters.get("calendar_ids", [calendar_id]):
        return False
    return not (type_ == types.CHANGE and filters.get("only_managed") and not managed)


def _channels(session: Session, account_id: int) -> list[Channel]:
    return list(
        session.scalars(
            select(Channel)
            .where(Channel.account_id == account_id, Channel.status != "disabled")
            .order_by(Channel.id)
        )
    )


def notify(
    session: Session,
    account_id: int,
    type_: str,
    data: dict,
    *,
    now: datetime,
    calendar_id: str | None = None,
) -> int:
    """Tell every channel of the account (active or paused) that wants this type (and
    calendar)."""
    sent = 0
    for channel in _channels(session, account_id):
        if _wants(channel, type_, calendar_id, managed=True):
            enqueue(session, account_id, type_, data, channel=channel, now=now)
            sent += 1
    return sent


def notify_change(
    session: Session, account_id: int, calendar_id: str, *, managed: bool, now: datetime
) -> int:
    """A `change` notification (Cronofy's: fetch events changed since `changes_since`).
    A channel that already has one waiting, not yet attempted, is not sent another: that one
    covers this change too, as its `changes_since` is earlier."""
    sent = 0
    for channel in _channels(session, account_id):
        if not _wants(channel, types.CHANGE, calendar_id, managed):
            continue
        waiting = session.scalar(
            select(WebhookMessage.id).where(
                WebhookMessage.channel_id == channel.id,
                WebhookMessage.type == types.CHANGE,
                WebhookMessage.status.in_(("pending", "paused")),
                WebhookMessage.attempts == 0,
            )
        )
        if waiting is not None:
            continue
        enqueue(
            session,
            account_id,
            types.CHANGE,
            {},
            channel=channel,
            notification={"changes_since": format_utc(now)},
            now=now,
        )
        sent += 1
    return sent


def notify_subscribers(
    session: Session, account_id: int, event_id: int, type_: str, event_item: dict, *,
    now: datetime,
) -> int:  # fmt: skip
    """Tell the event's subscriptions that asked for this interaction; `event_item` is the
    event exactly as GET /v1/events lists it."""
    sent = 0
    for sub in session.scalars(
        select(EventSubscription)
        .where(EventSubscription.event_id == event_id)
        .order_by(EventSubscription.id)
    ):
        if type_ in sub.interactions:
            enqueue(session, account_id, type_, {"event": event_item}, subscription=sub, now=now)
            sent += 1
    return sent
