"""A link's hours rule (issue 21): `availability_rule_id` names one of the owner's rules
(`/v1/availability_rules`); `availability.link_rule` applies it. Flask-free."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..availability import RuleNotFound, host_rule
from ..core.validation import FieldErrors
from ..models import Account


def check_rule_id(session: Session, account: Account, value: object, errors: FieldErrors):
    """An `availability_rule_id` of the caller's (`/v1/availability_rules`), or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add("availability_rule_id", "invalid", "availability_rule_id must be a string.")
        return None
    try:
        host_rule(session, account, value)
    except RuleNotFound:
        errors.add(
            "availability_rule_id", "unknown",
            "You have no availability rule with this id (see /v1/availability_rules).",
        )  # fmt: skip
        return None
    return value
