"""Upgrading: Google and Microsoft connections made for calendars before one connection could
serve both get the conferencing purpose (their scope already covers it); other profiles are
left as they were. On SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from backend import db
from backend.connections import new_profile
from backend.core.database import MIGRATIONS_DIR, migrate
from backend.models import Account, Profile


def test_calendar_connections_gain_conferencing(app, database_url, host):
    made = {}
    with app.app_context(), db.write() as s:
        account = s.get(Account, host.account_id)
        sealer = app.extensions["schedlink.sealer"]
        for name, provider, purposes in [
            ("google-cal", "google", ["calendar"]),
            ("ms-cal", "microsoft", ["calendar"]),
            ("ms-both", "microsoft", ["calendar", "conferencing"]),
            ("zoom", "zoom", ["conferencing"]),
            ("feed", "ics", ["calendar"]),
        ]:
            profile = new_profile(s, account=account, provider_name=provider, profile_name=name,
                                  purposes=purposes, credentials=None, sealer=sealer)  # fmt: skip
            made[name] = profile.id
    app.extensions["schedlink.engine"].dispose()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.downgrade(cfg, "0006_12b-1")
    migrate(database_url)
    with app.app_context():
        rows = db.session().execute(select(Profile.id, Profile.purposes)).all()
    purposes = {pid: sorted(p) for pid, p in rows}
    assert purposes[made["google-cal"]] == ["calendar", "conferencing"]
    assert purposes[made["ms-cal"]] == ["calendar", "conferencing"]
    assert purposes[made["ms-both"]] == ["calendar", "conferencing"]
    assert purposes[made["zoom"]] == ["conferencing"]
    assert purposes[made["feed"]] == ["calendar"]
