"""A host's working-hours rule: the stored one, else the default in the host's zone."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Account, AvailabilityRuleRow
from .rules import AvailabilityRule, default_rule, parse_rule


def host_rule(session: Session, account: Account) -> AvailabilityRule:
    row = session.get(AvailabilityRuleRow, account.id)
    return parse_rule(row.rule) if row else default_rule(account.tzid)
