"""The working-hours editor: time ranges per day and date overrides (native date and time
inputs, a row per range or day off), time zone, minimum notice, buffers, how far ahead people
may book, and whether a page with no free times shows the host's e-mail. Works without
script; every problem is said in plain words next to its field, all at once."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for

from ... import db
from ...availability import RuleError, host_rule, parse_rule, replace_default_rule, rule_to_dict
from ...calendars import calendar_profiles, lock_account
from ...core.validation import is_tzid
from ...models import Account
from ..invitee.booking_pages import resolve_zone
from ..security import check_csrf
from .auth import login_required

bp = Blueprint("hours", __name__, url_prefix="/settings")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS = DAYS[:5]
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# The number fields: (form name, what people call it, largest value).
NUMBERS = (
    ("min_notice_minutes", "Minimum notice", 366 * 1440),
    ("buffer_before", "Buffer before", 1440),
    ("buffer_after", "Buffer after", 1440),
    ("max_days_ahead", "Bookable days ahead", 3660),
)


UNKNOWN_ZONE = "We don't know this time zone: pick one from the list, like Europe/London."


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _time(text: str) -> str | None:
    """'9:00' or '09:00' → '09:00'; None if it isn't a time of day."""
    match = _TIME.match(text.strip())
    return f"{int(match[1]):02d}:{match[2]}" if match else None


def form_from_rule(rule: dict, show_email: bool) -> dict:
    days = {day: [] for day in DAYS}
    for period in rule["weekly_periods"]:
        end = "00:00" if period["end_time"] == "24:00" else period["end_time"]
        days[period["day"]].append((period["start_time"], end))
    # One row per range; a day off is one row of its own.
    overrides = [
        (
            o["date"],
            "hours",
            p["start_time"],
            "00:00" if p["end_time"] == "24:00" else p["end_time"],
        )
        for o in rule.get("date_overrides", [])
        for p in o["periods"]
    ] + [(o["date"], "off", "", "") for o in rule.get("date_overrides", []) if not o["periods"]]
    overrides.sort()
    return {
        "tzid": rule["tzid"],
        "days": days,
        "overrides": overrides,
        "min_notice_minutes": rule.get("min_notice_minutes", 0),
        "max_days_ahead": rule.get("max_days_ahead") or "",
        "buffer_before": rule.get("buffer", {}).get("before", 0),
        "buffer_after": rule.get("buffer", {}).get("after", 0),
        "show_email": show_email,
    }


def echo_form(form) -> dict:
    """What the person sent, shown back unchanged next to the problems."""
    return {
        "tzid": form.get("tzid", ""),
        "days": {
            day: [
                (start, end)
                for start, end in zip(
                    form.getlist(f"{day}-start"), form.getlist(f"{day}-end"), strict=False
                )
                if start.strip() or end.strip()
            ]
            for day in DAYS
        },
        "overrides": [
            (day, kind, start, end)
            for day, kind, start, end in zip(
                form.getlist("override-date"),
                form.getlist("override-kind"),
                form.getlist("override-start"),
                form.getlist("override-end"),
                strict=False,
            )
            if day.strip() or start.strip() or end.strip()
        ],
        **{name: form.get(name, "") for name, _label, _top in NUMBERS},
        "show_email": form.get("show_email") == "yes",
    }


def _weekly(days: dict, problems: dict) -> list[dict]:
    """The weekly periods; problems per day, and under "rows:<day>" which ranges (by
    position) are wrong, so only those are marked."""
    weekly = []
    for day in DAYS:
        spans, bad = [], set()
        for n, (start_text, end_text) in enumerate(days[day]):
            start, end = _time(start_text), _time(end_text)
            if not start_text.strip() or not end_text.strip():
                problems[day] = f"{day.title()}: give each range a start and an end time."
            elif start is None or end is None:
                problems[day] = f"{day.title()}: write times like 09:00 or 17:30."
            elif end != "00:00" and end <= start:
                problems[day] = f"{day.title()}: a range must end after it starts ({start}–{end})."
            else:
                spans.append((start, "24:00" if end == "00:00" else end, n))
                continue
            bad.add(n)
        spans.sort()
        for (_s1, e1, n1), (s2, _e2, n2) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                problems.setdefault(day, f"{day.title()}: two ranges overlap; merge them into one.")
                bad |= {n1, n2}
        if bad:
            problems[f"rows:{day}"] = bad
        weekly += [{"day": day, "start_time": s, "end_time": e} for s, e, _n in spans]
    return weekly


def _overrides(rows: list, problems: dict) -> list[dict]:
    """Rows of (date, "off" | "hours", start, end) -> the rule's date overrides; one problem
    for them all, and under "rows:overrides" which rows (by position) are wrong."""
    days: dict[str, list] = {}
    bad: set[int] = set()

    def refuse(n: int, problem: str) -> None:
        problems.setdefault("overrides", f"Date overrides: {problem}")
        bad.add(n)

    for n, (day_text, kind, start_text, end_text) in enumerate(rows):
        try:
            day = date.fromisoformat(day_text.strip()).isoformat()
        except ValueError:
            refuse(n, "pick a date for each row, like 2026-12-24.")
            continue
        if kind == "off":
            days.setdefault(day, []).append(("off", "", n))
            continue
        start, end = _time(start_text), _time(end_text)
        if start is None or end is None:
            refuse(n, f"{day}: give the hours a start and an end time, like 10:00 and 12:00.")
        elif end != "00:00" and end <= start:
            refuse(n, f"{day}: hours must end after they start ({start}–{end}).")
        else:
            days.setdefault(day, []).append((start, "24:00" if end == "00:00" else end, n))
    overrides = []
    for day, entries in sorted(days.items()):
        spans = sorted(e for e in entries if e[0] != "off")
        if len(spans) < len(entries) and spans:
            for *_span, n in entries:
                refuse(n, f"{day} is both a day off and has hours; keep one.")
            continue
        for (_s1, e1, n1), (s2, _e2, n2) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                refuse(n1, f"{day}: two ranges overlap; merge them into one.")
                bad.add(n2)
        periods = [{"start_time": start, "end_time": end} for start, end, _n in spans]
        overrides.append({"date": day, "periods": periods})
    if bad:
        problems["rows:overrides"] = bad
    return overrides


def _number(form, name: str, label: str, top: int, problems: dict, default):
    text = (form.get(name) or "").strip()
    if not text:
        return default
    # ASCII digits, few of them: "²".isdigit() is true but int("²") fails, and 5,000 digits
    # exceed int()'s limit — both once gave a 500.
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) > top:
        problems[name] = f"{label}: a whole number from 0 to {top}."
        return default
    return int(text)


def rule_from_form(form) -> tuple[dict, dict]:
    """The rule the form describes and {field: problem in plain words}."""
    problems: dict[str, str] = {}
    echoed = echo_form(form)
    numbers = {
        name: _number(form, name, label, top, problems, None if name == "max_days_ahead" else 0)
        for name, label, top in NUMBERS
    }
    rule = {
        "availability_rule_id": "default",
        "tzid": resolve_zone(echoed["tzid"]) or echoed["tzid"].strip(),
        "weekly_periods": _weekly(echoed["days"], problems),
        "date_overrides": _overrides(echoed["overrides"], problems),
        "min_notice_minutes": numbers["min_notice_minutes"],
        "buffer": {"before": numbers["buffer_before"], "after": numbers["buffer_after"]},
    }
    if numbers["max_days_ahead"] is not None:
        rule["max_days_ahead"] = numbers["max_days_ahead"]
    if not is_tzid(rule["tzid"]):
        problems["tzid"] = UNKNOWN_ZONE
    return rule, problems


def _plain(errors: dict, rule: dict) -> dict:
    """What the rule checker refused, said as the form's own words on the form's fields."""
    problems = {}
    for path in errors:
        if path.startswith("tzid"):
            problems["tzid"] = UNKNOWN_ZONE
        elif path.startswith("weekly_periods"):
            index = re.match(r"weekly_periods\[(\d+)\]", path)
            day = rule["weekly_periods"][int(index[1])]["day"] if index else "monday"
            problems.setdefault(day, f"{day.title()}: please check these hours.")
        elif path.startswith("date_overrides"):
            problems["overrides"] = "Date overrides: please check the dates and times."
        else:
            name = {"buffer.before": "buffer_before", "buffer.after": "buffer_after"}.get(
                path, path
            )
            label = dict((n, lbl) for n, lbl, _top in NUMBERS).get(name, "This value")
            problems[name] = f"{label}: please check this value."
    return problems


def _copy_weekdays(form: dict, source: str) -> dict:
    if source in DAYS:
        form["days"] = {**form["days"], **{day: list(form["days"][source]) for day in WEEKDAYS}}
    return form


@bp.route("/hours", methods=["GET", "POST"])
@login_required
def edit():
    if request.method == "GET":
        rule = rule_to_dict(host_rule(db.session(), g.user))
        form = form_from_rule(rule, g.user.show_email)
        return render_template(
            "account/hours.html", form=form, problems={}, bad_rows={},
            connected_calendars=len(calendar_profiles(db.session(), g.user)),
        )  # fmt: skip
    check_csrf()
    copy_from = request.form.get("copy")
    if copy_from:
        # "Copy to all weekdays" without the script: show the result; saving is one more click.
        form = _copy_weekdays(echo_form(request.form), copy_from)
        flash(f"Copied {copy_from.title()}'s hours to every weekday. Save to keep them.", "notice")
        return render_template("account/hours.html", form=form, problems={}, bad_rows={})
    data, problems = rule_from_form(request.form)
    if not problems:
        try:
            rule = parse_rule(data)
        except RuleError as exc:
            problems = _plain(exc.errors, data)
    if problems:
        rows = {k[5:]: problems.pop(k) for k in list(problems) if k.startswith("rows:")}
        form = echo_form(request.form)
        connected = len(calendar_profiles(db.session(), g.user))
        page = render_template(
            "account/hours.html", form=form, problems=problems, bad_rows=rows,
            connected_calendars=connected,
        )  # fmt: skip
        return page, 422
    with db.write() as s:
        lock_account(s, g.user.id)
        account = s.get(Account, g.user.id)
        # The default rule keeps its id (a rule named "work" stays "work").
        current = host_rule(s, account).availability_rule_id
        replace_default_rule(s, account, dataclasses.replace(rule, availability_rule_id=current))
        account.show_email = request.form.get("show_email") == "yes"
    flash("Working hours saved. New and open links offer these times now.")
    return redirect(url_for("hours.edit"), 303)
