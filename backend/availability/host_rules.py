"""A host's working-hours rule: the default one, or the one named (managed availability)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Account
from .managed import get_rule
from .rules import AvailabilityRule


def host_rule(session: Session, account: Account, rule_id: str | None = None) -> AvailabilityRule:
    """The account's default rule, or the one named (managed.RuleNotFound when missing)."""
    return get_rule(session, account, rule_id)
