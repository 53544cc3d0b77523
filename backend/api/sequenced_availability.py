"""POST /v1/sequenced_availability (Cronofy-compatible): thin; the work is
`availability.parse_sequence` and `availability.solve_sequence`."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app

from .. import db
from ..availability import (
    QueryError,
    foreign_calendars,
    parse_sequence,
    render_sequences,
    solve_sequence,
)
from ..core.validation import ValidationError, dotted
from .auth import current_account, json_body, require_api_key
from .availability import visible_accounts
from .element_auth import element_token

bp = Blueprint("api_sequenced_availability", __name__, url_prefix="/v1")
bp.before_request(require_api_key)


@bp.post("/sequenced_availability")
@element_token("availability")
def sequenced_availability():
    body = json_body()
    now = datetime.now(UTC)
    config = current_app.config
    try:
        query = parse_sequence(
            body,
            now=now,
            max_periods=config["AVAILABILITY_MAX_PERIODS"],
            max_span_days=config["AVAILABILITY_MAX_SPAN_DAYS"],
        )
    except QueryError as exc:
        raise ValidationError(dotted(exc.errors)) from exc
    s = db.session()
    accounts = visible_accounts(s, current_account(), {sub for sub, _ in query.calendar_keys()})
    errors: dict = {}
    for step in query.steps:
        for gi, mj, member, _ in step.members():
            if member.sub not in accounts:
                errors[f"sequence[{step.index}].participants[{gi}].members[{mj}].sub"] = [
                    {
                        "key": "errors.unknown_sub",
                        "description": "No account with this sub that you may query.",
                    }
                ]
    errors.update(foreign_calendars(s, query, accounts))
    if errors:
        raise ValidationError(dotted(errors))
    return render_sequences(solve_sequence(s, query, accounts, now))
