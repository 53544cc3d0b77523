"""instance/ and the SQLite files are created readable by their owner alone."""

from __future__ import annotations

import stat

from sqlalchemy import text

from backend import create_app


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_instance_and_database_are_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("SCHEDLINK_DATABASE_URL", raising=False)
    monkeypatch.delenv("SCHEDLINK_SECRET_KEY", raising=False)
    monkeypatch.setenv("SCHEDLINK_INSTANCE_PATH", str(tmp_path / "nested" / "instance"))
    app = create_app()
    instance = tmp_path / "nested" / "instance"
    assert app.config["DATABASE_URL"] == f"sqlite:///{instance / 'schedlink.db'}"
    with app.extensions["schedlink.engine"].begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert _mode(instance / "schedlink.db-wal") == 0o600
    assert _mode(instance) == 0o700
    assert _mode(instance / "secret_key") == 0o600
    assert _mode(instance / "schedlink.db") == 0o600
    app.extensions["schedlink.engine"].dispose()
