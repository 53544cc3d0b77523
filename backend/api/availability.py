"""POST /v1/availability (Cronofy-compatible) and GET/PUT /v1/availability_rules."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify
from sqlalchemy import select

from .. import db
from ..availability import (
    MemberCalendar,
    QueryError,
    RuleError,
    busy_intervals,
    host_rule,
    parse_query,
    parse_rule,
    render,
    resolve,
    rule_to_dict,
)
from ..calendars import lock_account
from ..models import Account, AvailabilityRuleRow
from ..validation import ValidationError, dotted
from .auth import current_account, json_body, require_api_key
from .element_auth import element_subs, element_token

bp = Blueprint("api_availability", __name__, url_prefix="/v1")
bp.before_request(require_api_key)


def _visible_accounts(s, caller: Account, subs: set[str]) -> dict[str, Account]:
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
    accounts = _visible_accounts(s, current_account(), query.subs())
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
    calendars = {
        sub: MemberCalendar(
            busy=busy_intervals(s, account.id, start, end), rule=host_rule(s, account)
        )
        for sub, account in accounts.items()
    }
    return render(query, resolve(query, calendars, datetime.now(UTC)))


@bp.get("/availability_rules")
@element_token("managed_availability")
def get_rules():
    rule = host_rule(db.session(), current_account())
    return {"availability_rules": [rule_to_dict(rule)]}


@bp.route("/availability_rules", methods=["PUT", "POST"])
@element_token("managed_availability")
def put_rules():
    body = json_body()
    try:
        rule = parse_rule(body)
    except RuleError as exc:
        raise ValidationError(dotted(exc.errors)) from exc
    with db.write() as s:
        lock_account(s, current_account().id)
        row = s.get(AvailabilityRuleRow, current_account().id)
        if row is None:
            s.add(AvailabilityRuleRow(account_id=current_account().id, rule=rule_to_dict(rule)))
        else:
            row.rule = rule_to_dict(rule)
    return jsonify({"availability_rule": rule_to_dict(rule)})
