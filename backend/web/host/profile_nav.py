"""The profile area's sections: one registry per app, rendered by one template partial
(`profile/_sections.html`), so a feature adds its section with one call from its own
`init_app` and a page that extends `profile/layout.html`:

    add_section(app, "calendars", "Calendar services", "calendar_services.index", order=20)

    {% extends "profile/layout.html" %}
    {% block section %}…{% endblock %}      (the view passes section="calendars")

Sections live under /profile/, which `security` serves with Cache-Control: no-store. Views
that connect, change or remove something sensitive (a calendar or conferencing connection, say)
add `@sudo_required` (from `web.sudo`) under `@login_required`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, current_app

from ...core import timefmt

_KEY = "schedlink.profile_sections"


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    endpoint: str
    order: int


def add_section(app: Flask, key: str, label: str, endpoint: str, order: int) -> None:
    registry: dict[str, Section] = app.extensions.setdefault(_KEY, {})
    if key in registry:
        raise ValueError(f"profile section {key!r} registered twice")
    registry[key] = Section(key, label, endpoint, order)


def sections() -> list[Section]:
    return sorted(current_app.extensions.get(_KEY, {}).values(), key=lambda s: s.order)


def _ago(value: datetime) -> str:
    return timefmt.ago(value, datetime.now(UTC))


def init_app(app: Flask) -> None:
    app.jinja_env.globals["profile_sections"] = sections
    # Moments in the profile area ("Last sync", "Last used") read as the host's local time
    # and how long ago (profile/_moment.html), not as raw UTC.
    app.jinja_env.filters["ago"] = _ago
