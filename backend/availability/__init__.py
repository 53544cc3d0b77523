"""Who is free when: the engine (groups, buffers, slots), working-hours rules, the
Cronofy-shaped query, what a link offers, and a per-process slot cache. Flask-free."""

from .engine import Group, Member, Result, find_availability
from .managed import (
    RuleNotFound,
    delete_periods,
    delete_rule,
    list_rules,
    period_spans,
    period_to_dict,
    read_periods,
    replace_default_rule,
    rule_ids,
    upsert_period,
    upsert_rule,
)
from .offers import busy_intervals, host_rule, offered_slots
from .query import MemberCalendar, QueryError, parse_query, render, resolve
from .rules import AvailabilityRule, RuleError, default_rule, parse_rule, rule_to_dict
from .slot_cache import SlotCache

__all__ = [
    "AvailabilityRule", "Group", "Member", "MemberCalendar", "QueryError", "Result",
    "RuleError", "RuleNotFound", "SlotCache", "delete_periods", "delete_rule", "list_rules",
    "period_spans", "period_to_dict", "read_periods", "replace_default_rule", "rule_ids",
    "upsert_period", "upsert_rule", "busy_intervals", "default_rule", "find_availability",
    "host_rule", "offered_slots", "parse_query", "parse_rule", "render", "resolve",
    "rule_to_dict",
]  # fmt: skip
