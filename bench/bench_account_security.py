"""What account security costs per request, against baselines measured in the same run.

    python bench/bench_account_security.py [--quick]

Prints, e.g.:
    session lookup / signed-in page = 0.002x
    recovery code, worst case (10 hashes) / one password check = 0.23x
    TOTP check / one password check = 0.0000x
In-process (Flask test client on a SQLite file), nothing asserted: a loaded machine must not
fail a build. The server-side session adds one indexed lookup by token hash per signed-in
request (and a write at most once a minute); the rest are costs of a sign-in, not of a page.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyotp

from backend import create_app, db
from backend.accounts import Keys, create_account, new_recovery_codes, sessions
from backend.accounts.passwords import verify_password
from backend.accounts.recovery import use_recovery_code
from backend.accounts.totp import begin_enrolment, confirm_enrolment, verify_totp
from backend.models import Account


def median_ms(fn, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    rounds = 15 if parser.parse_args().quick else 60
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'bench.db'}"
    db.migrate(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(tmp)})
    password = "correct horse battery"
    with app.app_context(), db.write() as s:
        account = create_account(s, "bench@example.com", "Bench", "Europe/London", password)
        account_id = account.id

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"csrf_token": token, "email": "bench@example.com",
                                "password": password})  # fmt: skip
    assert client.get("/profile").status_code == 200
    signed_in = median_ms(lambda: client.get("/profile"), rounds)
    public = median_ms(lambda: client.get("/login"), rounds)
    with app.app_context():
        # The lookup alone (the same index walk a real token takes).
        lookup = median_ms(
            lambda: sessions.session_for_token(db.session(), "x" * 43, datetime.now(UTC)), rounds
        )
    print(f"signed-in /profile = {signed_in:.2f} ms, public /login = {public:.2f} ms")
    print(f"session lookup / signed-in page = {lookup / signed_in:.3f}x ({lookup:.3f} ms)")

    keys = Keys("bench")
    with app.app_context(), db.write() as s:
        account = s.get(Account, account_id)
        codes = new_recovery_codes(s, account)
        secret = begin_enrolment(account, keys)
        now = datetime.now(UTC)
        confirm_enrolment(account, keys, pyotp.TOTP(secret).at(now), now)
        one_password = median_ms(lambda: verify_password(account, password), max(5, rounds // 4))
        wrong_code = median_ms(
            lambda: use_recovery_code(s, account, "aaaaa-aaaaa", now), max(5, rounds // 4)
        )
        steps = iter(range(1, 100_000))

        def next_code():
            moment = now + timedelta(seconds=30 * next(steps))  # a fresh step each time
            verify_totp(account, keys, pyotp.TOTP(secret).at(moment), moment)

        totp = median_ms(next_code, rounds)
        assert len(codes) == 10
    print(f"one password check (Argon2id defaults) = {one_password:.1f} ms")
    print(f"recovery code, worst case (10 hashes) / one password check = "
          f"{wrong_code / one_password:.2f}x ({wrong_code:.1f} ms)")  # fmt: skip
    print(f"TOTP check / one password check = {totp / one_password:.4f}x ({totp:.3f} ms)")


if __name__ == "__main__":
    main()
