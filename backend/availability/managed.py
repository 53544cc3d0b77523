"""Managed availability as stored: several availability rules per account (one per
`availability_rule_id`, one of them the default) and available periods (one-off windows).
Flask-free; callers pass the session and hold the account's write lock for changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..core.validation import FieldErrors, format_utc, parse_utc
from ..models import Account, AvailabilityRuleRow, AvailablePeriodRow
from .rules import AvailabilityRule, default_rule, parse_rule, rule_to_dict

MAX_RULES = 50
MAX_PERIODS = 1000
MAX_ID = 255


class RuleNotFound(Exception):
    pass


def _rows(session: Session, account_id: int) -> list[AvailabilityRuleRow]:
    return list(
        session.scalars(
            select(AvailabilityRuleRow)
            .where(AvailabilityRuleRow.account_id == account_id)
            .order_by(
                AvailabilityRuleRow.is_default.desc(), AvailabilityRuleRow.availability_rule_id
            )
        )
    )


def list_rules(session: Session, account: Account) -> list[AvailabilityRule]:
    """The default rule first; the built-in Monday-Friday 09:00-17:00 when none is stored."""
    rows = _rows(session, account.id)
    if not rows:
        return [default_rule(account.tzid)]
    return [_parse(row) for row in rows]


def _parse(row: AvailabilityRuleRow) -> AvailabilityRule:
    rule = parse_rule({**row.rule, "availability_rule_id": row.availability_rule_id})
    return rule


def get_rule(session: Session, account: Account, rule_id: str | None = None) -> AvailabilityRule:
    """The named rule (RuleNotFound when there is none), or the default one."""
    if rule_id is None:
        return list_rules(session, account)[0]
    if not _storable(rule_id):
        raise RuleNotFound(rule_id)
    row = session.get(AvailabilityRuleRow, (account.id, rule_id))
    if row is None:
        if rule_id == "default" and not _rows(session, account.id):
            return default_rule(account.tzid)
        raise RuleNotFound(rule_id)
    return _parse(row)


def _storable(value: str) -> bool:
    """Ids from a URL: NUL can't be compared with stored text (PostgreSQL refuses it)."""
    return isinstance(value, str) and 0 < len(value) <= MAX_ID and "\x00" not in value


def rule_ids(session: Session, account_id: int) -> set[str]:
    return set(
        session.scalars(
            select(AvailabilityRuleRow.availability_rule_id).where(
                AvailabilityRuleRow.account_id == account_id
            )
        )
    )


# schedlink's own rule fields, which Cronofy's clients (SDKs, the Availability Rules element)
# neither know nor send.
OWN_FIELDS = ("date_overrides", "min_notice_minutes", "max_days_ahead", "buffer")


def with_stored_fields(session: Session, account: Account, body: object) -> object:
    """A POST body for an upsert, with the stored rule's own fields it leaves out: a client
    that knows only Cronofy's fields must not erase the host's date overrides or buffers."""
    rule_id = body.get("availability_rule_id", "default") if isinstance(body, dict) else None
    if not _storable(rule_id):
        return body
    row = session.get(AvailabilityRuleRow, (account.id, rule_id))
    if row is None:
        return body
    return {**{k: row.rule[k] for k in OWN_FIELDS if k in row.rule}, **body}


def upsert_rule(session: Session, account: Account, rule: AvailabilityRule) -> None:
    """Insert or replace the rule with this id (POST /v1/availability_rules). The default
    rule stays what it was: an account that had only the built-in hours keeps them, stored
    as its "default" rule beside the new one."""
    rows = {r.availability_rule_id: r for r in _rows(session, account.id)}
    if not rows and rule.availability_rule_id != "default":
        builtin = AvailabilityRuleRow(
            account_id=account.id, availability_rule_id="default", is_default=True,
            rule=rule_to_dict(default_rule(account.tzid)),
        )  # fmt: skip
        session.add(builtin)
        rows["default"] = builtin
    row = rows.get(rule.availability_rule_id)
    if row is None:
        if len(rows) >= MAX_RULES:
            errors = FieldErrors()
            errors.add("availability_rule_id", "too_many", f"at most {MAX_RULES} rules")
            errors.raise_if_any()
        session.add(
            AvailabilityRuleRow(
                account_id=account.id,
                availability_rule_id=rule.availability_rule_id,
                is_default=not any(r.is_default for r in rows.values()),
                rule=rule_to_dict(rule),
            )
        )
    else:
        row.rule = rule_to_dict(rule)


def replace_default_rule(session: Session, account: Account, rule: AvailabilityRule) -> None:
    """PUT /v1/availability_rules (and the hours page): the account's default rule becomes
    this one, under this rule's id; a rule already stored under that id is replaced."""
    rows = _rows(session, account.id)
    for row in rows:
        if row.is_default or row.availability_rule_id == rule.availability_rule_id:
            session.delete(row)
    session.flush()
    session.add(
        AvailabilityRuleRow(
            account_id=account.id,
            availability_rule_id=rule.availability_rule_id,
            is_default=True,
            rule=rule_to_dict(rule),
        )
    )


def delete_rule(session: Session, account: Account, rule_id: str) -> None:
    """Remove a rule; when it was the default, the next one by id becomes the default (none
    left: the built-in hours apply again)."""
    row = session.get(AvailabilityRuleRow, (account.id, rule_id)) if _storable(rule_id) else None
    if row is None:
        raise RuleNotFound(rule_id)
    was_default = row.is_default
    session.delete(row)
    session.flush()
    if was_default:
        rest = _rows(session, account.id)
        if rest:
            rest[0].is_default = True


# --- available periods -----------------------------------------------------------------------


def _period_id(body: dict, errors: FieldErrors) -> str | None:
    value = body.get("available_period_id")
    if value is None:
        errors.add("available_period_id", "required", "available_period_id is required")
    elif not isinstance(value, str) or not 1 <= len(value) <= MAX_ID or "\x00" in value:
        errors.add(
            "available_period_id", "invalid", f"must be a string of 1 to {MAX_ID} characters"
        )
    else:
        return value
    return None


def upsert_period(session: Session, account: Account, body: object) -> dict:
    errors = FieldErrors()
    if not isinstance(body, dict):
        body = {}
    period_id = _period_id(body, errors)
    start, end = parse_utc(body.get("start")), parse_utc(body.get("end"))
    if start is None:
        errors.add("start", "invalid" if "start" in body else "required", "an RFC 3339 time")
    if end is None:
        errors.add("end", "invalid" if "end" in body else "required", "an RFC 3339 time")
    if start and end and end <= start:
        errors.add("end", "invalid", "must be after start")
    errors.raise_if_any()
    row = session.get(AvailablePeriodRow, (account.id, period_id))
    if row is None:
        count = len(list(session.scalars(
            select(AvailablePeriodRow.available_period_id)
            .where(AvailablePeriodRow.account_id == account.id).limit(MAX_PERIODS)
        )))  # fmt: skip
        if count >= MAX_PERIODS:
            errors.add("available_period_id", "too_many", f"at most {MAX_PERIODS} periods")
            errors.raise_if_any()
        row = AvailablePeriodRow(account_id=account.id, available_period_id=period_id)
        session.add(row)
    row.start_at, row.end_at = start, end
    session.flush()
    return period_to_dict(row)


def delete_periods(session: Session, account: Account, body: object) -> None:
    """One period by `available_period_id`, or every one with `delete_all: true`."""
    body = body if isinstance(body, dict) else {}
    query = delete(AvailablePeriodRow).where(AvailablePeriodRow.account_id == account.id)
    if body.get("delete_all") is not True:
        errors = FieldErrors()
        period_id = _period_id(body, errors)
        errors.raise_if_any()
        query = query.where(AvailablePeriodRow.available_period_id == period_id)
    session.execute(query)


def read_periods(
    session: Session, account_id: int, start: datetime | None, end: datetime | None
) -> list[AvailablePeriodRow]:
    query = select(AvailablePeriodRow).where(AvailablePeriodRow.account_id == account_id)
    if start is not None:
        query = query.where(AvailablePeriodRow.end_at > start)
    if end is not None:
        query = query.where(AvailablePeriodRow.start_at < end)
    return list(session.scalars(query.order_by(AvailablePeriodRow.start_at).limit(MAX_PERIODS)))


def period_spans(
    session: Session, account_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    return [(p.start_at, p.end_at) for p in read_periods(session, account_id, start, end)]


def period_to_dict(row: AvailablePeriodRow) -> dict:
    return {
        "available_period_id": row.available_period_id,
        "start": format_utc(row.start_at),
        "end": format_utc(row.end_at),
    }


def union(a: Sequence, b: Sequence) -> list:
    out: list = []
    for lo, hi in sorted([*a, *b]):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        elif lo < hi:
            out.append((lo, hi))
    return out
