"""The webhook signing secret at rest: the database holds it sealed (never in clear, not even
its key bytes), the API still shows it and rotates it, and a database written before sealing
is sealed by its migration, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from backend.accounts import create_account
from backend.core import database
from backend.core.sealing import SealBroken, Sealer

KEY = "sealing-test-secret-key"


def _rows(url: str) -> list[tuple]:
    engine = database.make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text("SELECT * FROM webhook_secrets"))]
    finally:
        engine.dispose()


def _in_clear(rows: list[tuple], secret: str) -> bool:
    """The secret, its base64 key part or its raw key bytes anywhere in the rows."""
    key = secret.removeprefix("whsec_")
    raw = base64.b64decode(key)
    flat = " ".join(str(v) for row in rows for v in row)
    return secret in flat or key in flat or raw.hex() in flat or "whsec_" in flat


def test_the_secret_is_sealed_in_the_database_and_shown_by_the_api(app, client, host):
    shown = client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"]
    assert shown.startswith("whsec_")
    assert client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"] == shown
    [row] = _rows(app.config["DATABASE_URL"])
    assert not _in_clear([row], shown)
    sealer = app.extensions["schedlink.sealer"]
    columns = dict(zip(("account_id", "secret", "previous"), row[:3], strict=True))
    assert sealer.unseal(columns["secret"]) == shown and columns["previous"] is None
    with pytest.raises(SealBroken):  # a copied database alone, without the app's key
        Sealer("some other secret key").unseal(columns["secret"])


def test_rotation_keeps_both_secrets_sealed(app, client, host):
    old = client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"]
    new = client.post("/v1/webhook_secret/rotate", headers=host.headers).get_json()["secret"]
    assert new != old and new.startswith("whsec_")
    assert client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"] == new
    rows = _rows(app.config["DATABASE_URL"])
    assert not _in_clear(rows, old) and not _in_clear(rows, new)
    sealer = app.extensions["schedlink.sealer"]
    [(_account, secret, previous, *_rest)] = rows
    assert (sealer.unseal(secret), sealer.unseal(previous)) == (new, old)


# --- the migration -------------------------------------------------------------------------


@pytest.fixture
def fresh_url(empty_database_url):
    return empty_database_url


def _alembic(url: str, sealer=None) -> Config:
    cfg = Config(attributes={"sealer": sealer})
    cfg.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _database_from_before_sealing(url: str) -> tuple[str, str]:
    """A database at every head but the sealing revision, with two accounts whose secrets
    (one mid-rotation) are stored in clear, as before; their secrets."""
    database.migrate(url)
    command.downgrade(_alembic(url), "0007_13-1")
    engine = database.make_engine(url)
    from sqlalchemy.orm import sessionmaker

    sessions = sessionmaker(engine)
    with database.write(sessions) as s:
        a = create_account(s, "a@example.com", "A", "Etc/UTC", "a long password")
        b = create_account(s, "b@example.com", "B", "Etc/UTC", "a long password")
        ids = a.id, b.id
    one, two, old = (
        "whsec_" + base64.b64encode(bytes([i]) * 32).decode() for i in (1, 2, 3)
    )  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO webhook_secrets (account_id, secret, previous, previous_until,"
                " rotated_at) VALUES (:a, :one, NULL, NULL, CURRENT_TIMESTAMP),"
                " (:b, :two, :old, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"a": ids[0], "b": ids[1], "one": one, "two": two, "old": old},
        )
    engine.dispose()
    return one, two, old


def test_the_migration_seals_secrets_kept_in_clear(fresh_url):
    one, two, old = _database_from_before_sealing(fresh_url)
    assert _in_clear(_rows(fresh_url), one)
    sealer = Sealer(KEY)
    database.migrate(fresh_url, sealer)
    rows = sorted(_rows(fresh_url))
    assert not any(_in_clear(rows, s) for s in (one, two, old))
    assert [sealer.unseal(r[1]) for r in rows] == [one, two]
    assert rows[0][2] is None and sealer.unseal(rows[1][2]) == old
    database.migrate(fresh_url, sealer)  # again: nothing left to seal, nothing sealed twice
    assert sorted(_rows(fresh_url)) == rows
    command.downgrade(_alembic(fresh_url, sealer), "0007_13-1")  # and back, in clear
    assert [r[1:3] for r in sorted(_rows(fresh_url))] == [(one, None), (two, old)]


def test_secrets_in_clear_are_not_migrated_without_the_key(fresh_url):
    one, _two, _old = _database_from_before_sealing(fresh_url)
    with pytest.raises(RuntimeError, match="schedlink migrate"):
        database.migrate(fresh_url)
    assert _in_clear(_rows(fresh_url), one)  # left as it was, to be migrated properly
