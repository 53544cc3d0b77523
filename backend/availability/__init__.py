"""Who is free when: the engine (groups, buffers, slots), working-hours rules, the
Cronofy-shaped query, what a link offers, and a per-process slot cache. Flask-free."""

from .engine import Group, Member, Result, find_availability
from .offers import Team, busy_intervals, host_rule, link_team, offered_slots, offered_with_hosts
from .query import MemberCalendar, QueryError, parse_query, render, resolve
from .rules import AvailabilityRule, RuleError, default_rule, parse_rule, rule_to_dict
from .slot_cache import SlotCache

__all__ = [
    "AvailabilityRule", "Group", "Member", "MemberCalendar", "QueryError", "Result",
    "RuleError", "SlotCache", "Team", "busy_intervals", "default_rule", "find_availability",
    "host_rule", "link_team", "offered_slots", "offered_with_hosts", "parse_query",
    "parse_rule", "render", "resolve", "rule_to_dict",
]  # fmt: skip
