"""Issue 21 beyond what the SDK tests show: several rules and the default one, available
periods on the booking page, the 0008 migration of stored rules, and the edges of batch and
bulk delete. Flask test client, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.config import Config
from helpers import create_link, path_of
from live_server import page_fields

from backend import db
from backend.core.database import MIGRATIONS_DIR, migrate
from backend.models import Account, AvailabilityRuleRow

SATURDAY = (datetime.now(UTC) + timedelta(days=7)).date()
while SATURDAY.weekday() != 5:
    SATURDAY += timedelta(days=1)


def rule(rule_id: str, day: str = "monday") -> dict:
    hours = [{"day": day, "start_time": "09:00", "end_time": "10:00"}]
    return {"availability_rule_id": rule_id, "tzid": "Etc/UTC", "weekly_periods": hours}


def ids(client, host) -> list[str]:
    got = client.get("/v1/availability_rules", headers=host.headers).get_json()
    return [r["availability_rule_id"] for r in got["availability_rules"]]


def test_put_replaces_the_default_and_post_adds_beside_it(client, host):
    assert (
        client.put("/v1/availability_rules", json=rule("work"), headers=host.headers).status_code
        == 200
    )
    assert ids(client, host) == ["work"]
    assert (
        client.post("/v1/availability_rules", json=rule("late"), headers=host.headers).status_code
        == 200
    )
    assert ids(client, host) == ["work", "late"]
    client.put("/v1/availability_rules", json=rule("hours", "friday"), headers=host.headers)
    assert ids(client, host) == ["hours", "late"]  # "work" was the default: replaced
    assert client.delete("/v1/availability_rules/hours", headers=host.headers).status_code == 202
    assert ids(client, host) == ["late"]  # the next one became the default
    assert client.delete("/v1/availability_rules/nope", headers=host.headers).status_code == 404
    client.delete("/v1/availability_rules/late", headers=host.headers)
    assert ids(client, host) == ["default"]  # the built-in hours again


def test_available_periods_add_to_the_booking_page(client, host):
    link = create_link(client, host, duration_minutes=60)
    page = page_fields(client.get(path_of(link["url"])).get_data(as_text=True))
    day = SATURDAY.isoformat()
    assert not any(s.startswith(day) for s in page["starts"])  # weekends are off by default
    period = {"available_period_id": "sat", "start": f"{day}T10:00:00Z", "end": f"{day}T12:00:00Z"}
    saved = client.post("/v1/available_periods", json=period, headers=host.headers)
    assert saved.get_json() == {"available_period": period}
    page = page_fields(client.get(path_of(link["url"])).get_data(as_text=True))
    assert [s for s in page["starts"] if s.startswith(day)] == [
        f"{day}T10:00:00Z",
        f"{day}T10:30:00Z",
        f"{day}T11:00:00Z",
    ]
    bad = client.post("/v1/available_periods", json={**period, "end": period["start"]},
                      headers=host.headers)  # fmt: skip
    assert bad.status_code == 422 and "end" in bad.get_json()["errors"]
    gone = client.delete("/v1/available_periods", json={"delete_all": True}, headers=host.headers)
    assert gone.status_code == 202
    listed = client.get("/v1/available_periods", headers=host.headers).get_json()
    assert listed["available_periods"] == []


def test_migration_keeps_each_account_rule_as_its_default(app, database_url, host):
    app.extensions["schedlink.engine"].dispose()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.downgrade(cfg, "0008_21_availability_rules-1")
    engine = db.make_engine(database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO availability_rules (account_id, rule, updated_at) VALUES (?, ?, ?)"
            if engine.dialect.name == "sqlite"
            else "INSERT INTO availability_rules (account_id, rule, updated_at) "
            "VALUES (%s, %s, %s)",
            (host.account_id, '{"availability_rule_id": "work", "tzid": "Etc/UTC", '
             '"weekly_periods": []}', datetime.now(UTC)),
        )  # fmt: skip
    engine.dispose()
    migrate(database_url)
    with app.app_context():
        row = db.session().get(AvailabilityRuleRow, (host.account_id, "work"))
        assert row.is_default and row.rule["tzid"] == "Etc/UTC"
        assert db.session().get(Account, host.account_id) is not None


def test_batch_edges(client, host):
    def batch(entries):
        return client.post("/v1/batch", json={"batch": entries}, headers=host.headers)

    entry = {"method": "GET", "relative_url": "/v1/account"}
    assert batch([entry] * 51).status_code == 422
    nested = batch([{"method": "POST", "relative_url": "/v1/batch", "data": {"batch": [entry]}}])
    assert "batch.0.relative_url" in nested.get_json()["errors"]
    outside = batch([{"method": "GET", "relative_url": "https://evil.example/v1/account"}])
    assert outside.status_code == 422
    mixed = batch([entry, {"method": "GET", "relative_url": "/v1/availability_rules/none"}])
    assert [e["status"] for e in mixed.get_json()["batch"]] == [200, 404]
    other = client.post("/v1/batch", json={"batch": [entry]},
                        headers={"Authorization": "Bearer slk_wrong"})  # fmt: skip
    assert other.status_code == 401


def test_delete_all_events_needs_a_choice_and_keeps_bookings(client, host):
    assert client.delete("/v1/events", headers=host.headers).status_code == 422
    unknown = client.delete("/v1/events?calendar_ids[]=cal_nope", headers=host.headers)
    assert unknown.status_code == 422
