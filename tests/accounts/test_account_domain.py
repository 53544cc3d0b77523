"""The accounts package on its own: the new-password policy, sealed secrets under key
rotation, TOTP steps accepted once, sessions ended for good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from backend import db
from backend.accounts import Keys, KeysError, TokenInvalid, sessions
from backend.accounts.passwords import password_problem
from backend.accounts.totp import begin_enrolment, confirm_enrolment, verify_totp
from backend.models import Account


@pytest.mark.parametrize(
    "password, refused",
    [
        ("short", True),
        ("123456789", True),
        ("1234567890", True),
        ("Password123!", True),  # a listed stem with digits and symbols added
        ("qwertyuiop", True),
        ("aaaaaaaaaaaa", True),
        ("correct horse battery", False),
        ("purple elephant marmalade", False),
        ("ünïcødé pässwörd", False),
    ],
)
def test_password_policy(password, refused):
    assert (password_problem(password) is not None) is refused


def test_sealed_secrets_open_after_rotation_and_not_with_another_key():
    old = Keys("old-key")
    sealed = old.seal("JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert Keys("new-key", ["old-key"]).unseal(sealed) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(KeysError):
        Keys("another-key").unseal(sealed)
    token = old.dumps("purpose.a", {"a": 1})
    assert Keys("new-key", ["old-key"]).loads("purpose.a", token, 60) == {"a": 1}
    with pytest.raises(TokenInvalid):
        old.loads("purpose.b", token, 60)


def test_totp_code_accepted_once_and_never_an_older_step():
    keys = Keys("k")
    account = Account(email="a@example.com", name="A")
    now = datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)
    secret = begin_enrolment(account, keys)
    totp = pyotp.TOTP(secret)
    assert confirm_enrolment(account, keys, totp.at(now), now)
    assert not verify_totp(account, keys, totp.at(now), now), "the enrolment code is spent"
    later = now + timedelta(seconds=30)
    assert verify_totp(account, keys, totp.at(later), later)
    assert not verify_totp(account, keys, totp.at(later), later)
    assert not verify_totp(account, keys, totp.at(now), later), "an older step"
    far = now + timedelta(minutes=5)
    assert not verify_totp(account, keys, totp.at(now + timedelta(minutes=10)), far), "drift"


def test_ended_sessions_stay_ended(app, host):
    now = datetime.now(UTC)
    with app.app_context(), db.write() as s:
        account = s.get(Account, host.account_id)
        row, token = sessions.start_session(s, account, "curl/8", "127.0.0.1", now)
        _other, other_token = sessions.start_session(s, account, "curl/8", "127.0.0.2", now)
        assert sessions.session_for_token(s, token, now).id == row.id
        assert sessions.end_all_sessions(s, account, now, keep_session_id=row.id) == 1
        assert sessions.session_for_token(s, other_token, now) is None
        sessions.end_session(s, row.id, now)
        assert sessions.session_for_token(s, token, now) is None
        assert sessions.session_for_token(s, token, now - timedelta(days=1)) is None
        assert len(sessions.active_sessions(s, account, now)) == 0


def test_one_totp_code_raced_from_many_threads_is_accepted_once(app, host):
    """Concurrent sign-ins with the same code: the account row lock lets exactly one through,
    and the stored step is that code's."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from backend.accounts import check_code, locked_account

    keys = app.extensions["schedlink.account_keys"]
    sessions_factory = app.extensions["schedlink.sessions"]
    now = datetime.now(UTC)
    with db.write(sessions_factory) as s:
        account = s.get(Account, host.account_id)
        secret = begin_enrolment(account, keys)
        assert confirm_enrolment(account, keys, pyotp.TOTP(secret).at(now), now)
    later = now + timedelta(seconds=30)
    code = pyotp.TOTP(secret).at(later)
    barrier = Barrier(6)

    def attempt(_):
        barrier.wait()
        with db.write(sessions_factory) as s:
            return check_code(s, locked_account(s, host.account_id), keys, code, later, False)

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(attempt, range(6)))
    assert results.count("totp") == 1 and results.count(None) == 5
    with sessions_factory() as s:
        step = s.get(Account, host.account_id).totp_last_step
    assert step == pyotp.TOTP(secret).timecode(later)
