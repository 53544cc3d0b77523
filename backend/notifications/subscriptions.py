"""Event subscriptions (Cronofy's `subscriptions`): webhooks for one event's interactions,
given on an event upsert or on a scheduling link (then copied onto the booking's event)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..core.outbound import Outbound
from ..core.validation import FieldErrors
from ..models import EventSubscription
from . import types
from .urls import checked_url

MAX_SUBSCRIPTIONS = 10

Parsed = list[tuple[str, list[str]]]


def parse_subscriptions(
    raw: object, outbound: Outbound, errors: FieldErrors, field: str = "subscriptions"
) -> Parsed | None:
    """None when not given (keep what is there); [] removes them all."""
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > MAX_SUBSCRIPTIONS:
        errors.add(field, "invalid", f"{field} must be a list of at most {MAX_SUBSCRIPTIONS}.")
        return None
    parsed: Parsed = []
    for i, item in enumerate(raw):
        where = f"{field}.{i}"
        if not isinstance(item, dict):
            errors.add(where, "invalid", "Each subscription is an object.")
            continue
        if item.get("type") != "webhook":
            errors.add(f"{where}.type", "invalid", 'type must be "webhook".')
        uri = checked_url(outbound, item.get("uri"), f"{where}.uri", errors)
        interactions = item.get("interactions")
        wanted: list[str] = []
        if not isinstance(interactions, list) or not interactions:
            errors.add(f"{where}.interactions", "required", "Give at least one interaction.")
        else:
            for j, interaction in enumerate(interactions):
                kind = interaction.get("type") if isinstance(interaction, dict) else None
                if kind not in types.INTERACTIONS:
                    errors.add(
                        f"{where}.interactions.{j}.type",
                        "invalid",
                        f"Known interactions: {', '.join(types.INTERACTIONS)}.",
                    )
                elif kind not in wanted:
                    wanted.append(kind)
        if uri and wanted:
            parsed.append((uri, wanted))
    return parsed


def _replace(session: Session, account_id: int, parsed: Parsed, **owner) -> None:
    column, value = next(iter(owner.items()))
    session.execute(delete(EventSubscription).where(getattr(EventSubscription, column) == value))
    for uri, interactions in parsed:
        session.add(
            EventSubscription(account_id=account_id, uri=uri, interactions=interactions, **owner)
        )
    session.flush()


def set_event_subscriptions(
    session: Session, account_id: int, event_id: int, parsed: Parsed | None
) -> None:
    if parsed is not None:
        _replace(session, account_id, parsed, event_id=event_id)


def set_link_subscriptions(
    session: Session, account_id: int, link_id: int, parsed: Parsed | None
) -> None:
    if parsed is not None:
        _replace(session, account_id, parsed, link_id=link_id)


def link_subscriptions(session: Session, link_id: int) -> list[dict]:
    """The link's subscriptions in the shape they were given."""
    return [
        {
            "type": "webhook",
            "uri": sub.uri,
            "interactions": [{"type": kind} for kind in sub.interactions],
        }
        for sub in session.scalars(
            select(EventSubscription)
            .where(EventSubscription.link_id == link_id)
            .order_by(EventSubscription.id)
        )
    ]


def apply_link_subscriptions(session: Session, link_id: int, event_id: int) -> None:
    """On booking: the link's subscriptions now watch the booking's event."""
    for sub in list(
        session.scalars(select(EventSubscription).where(EventSubscription.link_id == link_id))
    ):
        session.add(
            EventSubscription(
                account_id=sub.account_id,
                event_id=event_id,
                uri=sub.uri,
                interactions=list(sub.interactions),
            )
        )
    session.flush()
