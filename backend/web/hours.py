"""The working-hours editor: weekly ranges per day, time zone, date overrides, minimum
notice, buffers and how far ahead people may book. Plain form fields, no script needed."""

from __future__ import annotations

import re

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for

from .. import db
from ..availability import RuleError, host_rule, parse_rule, rule_to_dict
from ..calendars import calendar_profiles, lock_account
from ..models import AvailabilityRuleRow
from .auth import login_required
from .security import check_csrf

bp = Blueprint("hours", __name__, url_prefix="/settings")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _ranges(text: str) -> list[dict] | None:
    """'09:00-12:00, 13:00-17:00' → periods; None when it can't be read."""
    periods = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _RANGE.match(part)
        if not match:
            return None
        start, end = (t.zfill(5) for t in match.groups())
        periods.append({"start_time": start, "end_time": end})
    return periods


def _as_text(periods) -> str:
    return ", ".join(f"{p['start_time']}-{p['end_time']}" for p in periods)


def form_from_rule(rule: dict) -> dict:
    by_day = {day: [] for day in DAYS}
    for period in rule["weekly_periods"]:
        by_day[period["day"]].append(period)
    overrides = "\n".join(
        f"{o['date']}: {_as_text(o['periods']) or 'off'}" for o in rule.get("date_overrides", [])
    )
    return {
        "tzid": rule["tzid"],
        "days": {day: _as_text(periods) for day, periods in by_day.items()},
        "overrides": overrides,
        "min_notice_minutes": rule.get("min_notice_minutes", 0),
        "max_days_ahead": rule.get("max_days_ahead") or "",
        "buffer_before": rule.get("buffer", {}).get("before", 0),
        "buffer_after": rule.get("buffer", {}).get("after", 0),
    }


def _int(value: str, default):
    """Digits become a number; anything else typed is passed on for the rule to refuse."""
    value = (value or "").strip()
    if not value:
        return default
    return int(value) if value.isdigit() else value


def rule_from_form(form) -> tuple[dict, list[str]]:
    problems, weekly, overrides = [], [], []
    for day in DAYS:
        periods = _ranges(form.get(f"day-{day}", ""))
        if periods is None:
            problems.append(f"{day.title()}: write ranges like 09:00-12:00, 13:00-17:00.")
            continue
        weekly += [{"day": day, **p} for p in periods]
    for line in filter(None, (ln.strip() for ln in form.get("overrides", "").splitlines())):
        day, _, spec = line.partition(":")
        periods = [] if spec.strip().lower() in ("off", "") else _ranges(spec)
        if periods is None:
            problems.append(f"Override {line!r}: write 2026-12-24: off or 2026-12-24: 10:00-12:00.")
            continue
        overrides.append({"date": day.strip(), "periods": periods})
    rule = {
        "availability_rule_id": "default",
        "tzid": form.get("tzid", "").strip(),
        "weekly_periods": weekly,
        "date_overrides": overrides,
        "min_notice_minutes": _int(form.get("min_notice_minutes"), 0),
        "buffer": {
            "before": _int(form.get("buffer_before"), 0),
            "after": _int(form.get("buffer_after"), 0),
        },
    }
    max_days = _int(form.get("max_days_ahead"), None)
    if max_days is not None:
        rule["max_days_ahead"] = max_days
    return rule, problems


@bp.route("/hours", methods=["GET", "POST"])
@login_required
def edit():
    if request.method == "GET":
        rule = rule_to_dict(host_rule(db.session(), g.user))
        return render_template(
            "account/hours.html", form=form_from_rule(rule), problems=[],
            connected_calendars=len(calendar_profiles(db.session(), g.user)),
        )  # fmt: skip
    check_csrf()
    data, problems = rule_from_form(request.form)
    if not problems:
        try:
            rule = parse_rule(data)
        except RuleError as exc:
            problems = [f"{field}: {item['description']}" for field, items in exc.errors.items()
                        for item in items]  # fmt: skip
    if problems:
        form = {**form_from_rule({**data, "weekly_periods": []}), **_echo(request.form)}
        connected = len(calendar_profiles(db.session(), g.user))
        return render_template(
            "account/hours.html", form=form, problems=problems, connected_calendars=connected
        ), 422
    with db.write() as s:
        lock_account(s, g.user.id)
        row = s.get(AvailabilityRuleRow, g.user.id)
        if row is None:
            s.add(AvailabilityRuleRow(account_id=g.user.id, rule=rule_to_dict(rule)))
        else:
            row.rule = rule_to_dict(rule)
    flash("Working hours saved. New and open links offer these times now.")
    return redirect(url_for("hours.edit"), 303)


def _echo(form) -> dict:
    """What the person typed, shown back unchanged next to the problems."""
    return {
        "tzid": form.get("tzid", ""),
        "days": {day: form.get(f"day-{day}", "") for day in DAYS},
        "overrides": form.get("overrides", ""),
        "min_notice_minutes": form.get("min_notice_minutes", ""),
        "max_days_ahead": form.get("max_days_ahead", ""),
        "buffer_before": form.get("buffer_before", ""),
        "buffer_after": form.get("buffer_after", ""),
    }
