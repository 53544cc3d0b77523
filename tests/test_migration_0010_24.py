"""Migration 0010_24 (profiles.enterprise_error; Enterprise Connect member profiles make
meetings too) goes up and down on SQLite and PostgreSQL: an enterprise profile made before it
gains the "conferencing" purpose, a member's own connection is left as it was."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import inspect, text
from test_migration_0009_24 import _alembic

from backend.core import database

REVISION = "0010_24_enterprise_status"


def _purposes(url: str) -> dict:
    engine = database.make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT public_id, purposes FROM profiles")).all()
        columns = {c["name"] for c in inspect(engine).get_columns("profiles")}
    finally:
        engine.dispose()
    found = {pid: json.loads(p) if isinstance(p, str) else p for pid, p in rows}
    return {"enterprise_error" in columns: None, **found}


def test_up_and_down(empty_database_url):
    url = empty_database_url
    database.migrate(url)
    command.downgrade(_alembic(url), f"{REVISION}-1")
    engine = database.make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (sub, email, name, tzid, password_hash, session_version,"
                " availability_version, hour_format, show_email, created_at) VALUES ('acc_x',"
                " 'x@contoso.com', 'X', 'UTC', 'h', 1, 0, '24', false, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO organizations (public_id, name, created_at)"
                " VALUES ('org_x', 'Contoso', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO enterprise_connections (public_id, organization_id, provider_name,"
                " tenant, status, created_at) SELECT 'ent_x', id, 'microsoft', 'contoso.com',"
                " 'active', CURRENT_TIMESTAMP FROM organizations"
            )
        )
        for pid, provider, ent in (
            ("pro_ent", "exchange", "enterprise_connections.id"),
            ("pro_own", "ics", "NULL"),
        ):
            conn.execute(
                text(
                    "INSERT INTO profiles (public_id, account_id, provider_name, profile_name,"
                    " purposes, connected, enterprise_connection_id, created_at, updated_at)"
                    f" SELECT '{pid}', accounts.id, '{provider}', 'P', '[\"calendar\"]', true,"
                    f" {ent}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
                    " FROM accounts, enterprise_connections"
                )
            )
    engine.dispose()
    database.migrate(url)
    assert _purposes(url) == {
        True: None,
        "pro_ent": ["calendar", "conferencing"],
        "pro_own": ["calendar"],
    }
    command.downgrade(_alembic(url), f"{REVISION}-1")
    assert _purposes(url) == {False: None, "pro_ent": ["calendar"], "pro_own": ["calendar"]}
