"""The command line (design §3), through click's runner against a real database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from backend import create_app, db
from backend.cli import main
from backend.models import Account


@pytest.fixture
def runner(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEDLINK_DATABASE_URL", database_url)
    monkeypatch.setenv("SCHEDLINK_INSTANCE_PATH", str(tmp_path / "instance"))
    return CliRunner()


def test_create_user_then_api_key(runner, database_url, tmp_path):
    result = runner.invoke(
        main,
        ["create-user", "ada@example.com", "--name", "Ada Lovelace", "--timezone", "Europe/London"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    sub = result.output.strip().splitlines()[-1]
    assert sub.startswith("acc_")
    keyed = runner.invoke(main, ["create-api-key", "ada@example.com"])
    assert keyed.exit_code == 0, keyed.output
    key = keyed.stdout.strip().splitlines()[-1]
    assert key.startswith("slk_")
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "i2")})
    response = app.test_client().get("/v1/userinfo", headers={"Authorization": f"Bearer {key}"})
    assert response.get_json()["sub"] == sub
    with app.app_context():
        account = db.session().scalars(select(Account)).one()
        assert account.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["create-user", "bad", "--name", "X", "--timezone", "Europe/London"],
            "a long enough password\n",
            "email",
        ),
        (
            ["create-user", "a@example.com", "--name", "X", "--timezone", "Mars/Base"],
            "a long enough password\n",
            "tzid",
        ),
        (
            ["create-user", "a@example.com", "--name", "X", "--timezone", "UTC"],
            "short\n",
            "password",
        ),
        (["create-api-key", "nobody@example.com"], "", "no account"),
    ],
)
def test_cli_errors_are_clear(runner, args, stdin, message):
    result = runner.invoke(main, args, input=stdin)
    assert result.exit_code != 0
    assert message in result.output


def test_duplicate_user_is_refused(runner):
    args = ["create-user", "ada@example.com", "--name", "Ada", "--timezone", "UTC"]
    assert runner.invoke(main, args, input="a long enough password\n").exit_code == 0
    again = runner.invoke(main, args, input="a long enough password\n")
    assert again.exit_code != 0 and "already exists" in again.output


def test_sqlite_pragmas(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


@pytest.mark.parametrize(
    ("bind", "expected"),
    [
        (["--port", "5050"], "http://localhost:5050"),
        (["--host", "0.0.0.0"], "http://localhost:5000"),
        (["--host", "192.0.2.7"], "http://192.0.2.7:5000"),
    ],
)
def test_demo_prints_a_host_name_base_url_for_passkeys(runner, monkeypatch, bind, expected):
    """Browsers refuse passkeys on http://127.0.0.1:5000, so the demo's links name the host."""
    import backend.server

    # Recorded first, so the variables demo sets are taken away again after the test.
    for name in ("SCHEDLINK_BASE_URL", "SCHEDLINK_DEMO"):
        monkeypatch.setenv(name, "unset")
        monkeypatch.delenv(name)
    served = []
    # The real server would block the test; what it is asked to serve is what matters here.
    monkeypatch.setattr(backend.server, "run", lambda *args, **kw: served.append(args))
    result = runner.invoke(main, ["demo", *bind])
    assert result.exit_code == 0, result.output
    assert f"backend URL : {expected}\n" in result.output
    assert served and served[0][0] == (bind[1] if bind[0] == "--host" else "127.0.0.1")


def test_create_api_key_with_an_expiry(runner, database_url, tmp_path):
    from datetime import UTC, datetime, timedelta

    from backend.models import ApiKey

    args = ["create-user", "ada@example.com", "--name", "Ada", "--timezone", "UTC"]
    assert runner.invoke(main, args, input="a long enough password\n").exit_code == 0
    keyed = runner.invoke(main, ["create-api-key", "ada@example.com", "--expires-in-days", "7"])
    assert keyed.exit_code == 0, keyed.output
    assert "expires" in keyed.stderr
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "i2")})
    with app.app_context():
        expires = db.session().scalars(select(ApiKey.expires_at)).one()
    assert abs(expires - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=1)
    assert runner.invoke(main, ["create-api-key", "ada@example.com",
                                "--expires-in-days", "0"]).exit_code != 0  # fmt: skip


def test_demo_prints_the_hosts_current_address_and_keeps_the_key(runner, monkeypatch, tmp_path):
    """./scripts/demo.sh again after the demo host changed their e-mail address."""
    import re

    import backend.server

    for name in ("SCHEDLINK_BASE_URL", "SCHEDLINK_DEMO"):
        monkeypatch.setenv(name, "unset")
        monkeypatch.delenv(name)
    monkeypatch.setattr(backend.server, "run", lambda *args, **kw: None)
    first = runner.invoke(main, ["demo"])
    assert first.exit_code == 0, first.output
    assert "as host@demo.schedlink.test / " in first.output
    key = re.search(r"API key\s+: (slk_\S+)", first.output)[1]
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context(), db.write() as s:
        s.scalars(select(Account)).one().email = "grace@navy.example"
    again = runner.invoke(main, ["demo"])
    assert again.exit_code == 0, again.output
    assert "as grace@navy.example / " in again.output
    assert "host@demo.schedlink.test" not in again.output
    assert re.search(r"API key\s+: (slk_\S+)", again.output)[1] == key
    with app.app_context():
        accounts = db.session().scalars(select(Account.name)).all()
    assert accounts == ["Grace Hopper"]  # no second, empty demo account
