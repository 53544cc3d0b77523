"""Managed availability, Cronofy-shaped: availability rules (several per account, one per
`availability_rule_id`; `PUT` replaces the default rule as before) and available periods
(one-off windows added to the managed hours). Thin: the work is in `availability.managed`."""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import NotFound

from .. import db
from ..availability import (
    RuleError,
    RuleNotFound,
    delete_periods,
    delete_rule,
    host_rule,
    list_rules,
    parse_rule,
    period_to_dict,
    read_periods,
    replace_default_rule,
    rule_to_dict,
    upsert_period,
    upsert_rule,
    with_stored_fields,
)
from ..calendars import lock_account
from ..core.validation import ValidationError, dotted, parse_utc
from ..models import Account
from .auth import current_account, json_body, require_api_key
from .element_auth import element_token

bp = Blueprint("api_managed_availability", __name__, url_prefix="/v1")
bp.before_request(require_api_key)


def _accepted() -> Response:
    response = Response(status=202)
    del response.headers["Content-Type"]
    return response


def _rule_from_body(body=None):
    try:
        return parse_rule(json_body() if body is None else body)
    except RuleError as exc:
        raise ValidationError(dotted(exc.errors)) from exc


def _locked(s) -> Account:
    lock_account(s, current_account().id)
    return s.get(Account, current_account().id)


@bp.get("/availability_rules")
@element_token("managed_availability")
def index():
    return {
        "availability_rules": [rule_to_dict(r) for r in list_rules(db.session(), current_account())]
    }


@bp.post("/availability_rules")
@element_token("managed_availability")
def upsert():
    """Cronofy's upsert by availability_rule_id; schedlink's own fields the body leaves out
    are kept (PUT replaces everything)."""
    with db.write() as s:
        account = _locked(s)
        rule = _rule_from_body(with_stored_fields(s, account, json_body()))
        upsert_rule(s, account, rule)
    return {"availability_rule": rule_to_dict(rule)}


@bp.put("/availability_rules")
@element_token("managed_availability")
def put_default():
    """schedlink's own: the account's default rule (the booking page's hours) becomes this."""
    rule = _rule_from_body()
    with db.write() as s:
        replace_default_rule(s, _locked(s), rule)
    return {"availability_rule": rule_to_dict(rule)}


@bp.get("/availability_rules/<availability_rule_id>")
@element_token("managed_availability")
def read(availability_rule_id: str):
    try:
        rule = host_rule(db.session(), current_account(), availability_rule_id)
    except RuleNotFound:
        raise NotFound("No availability rule with that id.") from None
    return {"availability_rule": rule_to_dict(rule)}


@bp.delete("/availability_rules/<availability_rule_id>")
def remove(availability_rule_id: str):
    try:
        with db.write() as s:
            delete_rule(s, _locked(s), availability_rule_id)
    except RuleNotFound:
        raise NotFound("No availability rule with that id.") from None
    return _accepted()


@bp.post("/available_periods")
def upsert_available_period():
    body = json_body()
    with db.write() as s:
        period = upsert_period(s, _locked(s), body)
    return {"available_period": period}


def _bound(name: str):
    raw = request.args.get(name)
    if raw is None:
        return None
    value = parse_utc(raw + "T00:00:00Z" if len(raw) == 10 else raw)
    if value is None:
        raise ValidationError(
            {name: [{"key": "errors.invalid", "description": "a date or an RFC 3339 time"}]}
        )
    return value


@bp.get("/available_periods")
def list_available_periods():
    rows = read_periods(db.session(), current_account().id, _bound("from"), _bound("to"))
    return {
        "pages": {"current": 1, "total": 1},
        "available_periods": [period_to_dict(p) for p in rows],
    }


@bp.delete("/available_periods")
def delete_available_periods():
    body = json_body() if request.get_data(cache=True).strip() else dict(request.args)
    with db.write() as s:
        delete_periods(s, _locked(s), body)
    return _accepted()
