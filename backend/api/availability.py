"""POST /v1/availability (Cronofy-compatible; query_periods or query_slots). The rules and
available periods it reads are managed in api/managed_availability.py."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app
from sqlalchemy import select

from .. import db, metrics
from ..availability import (
    MemberCalendar,
    QueryError,
    busy_intervals,
    list_rules,
    parse_query,
    period_spans,
    render,
    resolve,
)
from ..core.validation import ValidationError, dotted
from ..models import Account
from .auth import current_account, json_body, require_api_key
from .element_auth import element_subs, element_token

bp = Blueprint("api_availability", __name__, url_prefix="/v1")
bp.before_request(require_api_key)


def visible_accounts(s, caller: Account, subs: set[str]) -> dict[str, Account]:
    """The caller itself and accounts of its organization; anything else stays unknown."""
    subs = element_subs(subs)  # an element token sees only its own subs
    rows = s.scalars(select(Account).where(Account.sub.in_(subs))).all()
    return {
        a.sub: a
        for a in rows
        if a.id == caller.id
        or (caller.organization_id is not None and a.organization_id == caller.organization_id)
    }


@bp.post("/availability")
@element_token("availability")
def availability():
    body = json_body()
    config = current_app.config
    try:
        query = parse_query(
            body,
            max_periods=config["AVAILABILITY_MAX_PERIODS"],
            max_span_days=config["AVAILABILITY_MAX_SPAN_DAYS"],
        )
    except QueryError as exc:
        raise ValidationError(dotted(exc.errors)) from exc
    s = db.session()
    accounts = visible_accounts(s, current_account(), query.subs())
    errors: dict = {}
    for i, group in enumerate(query.groups):
        for j, member in enumerate(group.members):
            if member.sub not in accounts:
                errors[f"participants.{i}.members.{j}.sub"] = [
                    {
                        "key": "errors.unknown_sub",
                        "description": "No account with this sub that you may query.",
                    }
                ]
    if errors:
        raise ValidationError(errors)
    start, end = query.window()
    metrics.AVAILABILITY_QUERIES.labels("api").inc()
    with metrics.timed(metrics.AVAILABILITY_SECONDS, kind="api"):
        calendars = {}
        for sub, account in accounts.items():
            rules = list_rules(s, account)
            calendars[sub] = MemberCalendar(
                busy=busy_intervals(s, account.id, start, end),
                rule=rules[0],
                rules={r.availability_rule_id: r for r in rules},
                available=period_spans(s, account.id, start, end),
            )
        _check_rule_ids(query, calendars)
        return render(query, resolve(query, calendars, datetime.now(UTC)))


def _check_rule_ids(query, calendars: dict) -> None:
    errors: dict = {}
    for i, group in enumerate(query.groups):
        for j, member in enumerate(group.members):
            known = calendars[member.sub].rules or {}
            for rule_id in member.availability_rule_ids or ():
                if rule_id not in known:
                    errors[f"participants.{i}.members.{j}.availability_rule_ids"] = [
                        {
                            "key": "errors.unknown_availability_rule",
                            "description": f"No availability rule {rule_id!r} for this sub.",
                        }
                    ]
    if errors:
        raise ValidationError(errors)
