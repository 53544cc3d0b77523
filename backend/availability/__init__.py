"""Who is free when: the engine (groups, buffers, slots), working-hours rules, the
Cronofy-shaped query, sequenced availability, what a link offers, and a per-process slot
cache. Flask-free."""

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
    with_stored_fields,
)
from .offers import Team, busy_intervals, host_rule, link_team, offered_slots, offered_with_hosts
from .query import MemberCalendar, QueryError, parse_query, render, resolve
from .rules import AvailabilityRule, RuleError, default_rule, parse_rule, rule_to_dict
from .sequence import Option, Placement, SequenceQuery, Step, parse_sequence
from .sequence_solve import (
    foreign_calendars,
    load_calendars,
    render_sequences,
    resolve_sequence,
    solve_sequence,
)
from .slot_cache import SlotCache

__all__ = [
    "AvailabilityRule", "Group", "Member", "MemberCalendar", "Option", "Placement",
    "QueryError", "Result", "RuleError", "RuleNotFound", "SequenceQuery", "SlotCache", "Step",
    "Team", "busy_intervals", "default_rule", "delete_periods", "delete_rule",
    "find_availability", "foreign_calendars", "host_rule", "link_team", "list_rules",
    "load_calendars", "offered_slots", "offered_with_hosts", "parse_query", "parse_rule",
    "parse_sequence", "period_spans", "period_to_dict", "read_periods", "render",
    "render_sequences", "replace_default_rule", "resolve", "resolve_sequence", "rule_ids",
    "rule_to_dict", "solve_sequence", "upsert_period", "upsert_rule", "with_stored_fields",
]  # fmt: skip
