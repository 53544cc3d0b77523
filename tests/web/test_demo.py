"""`schedlink demo`: the seeded host and the pretend host-app pages with hidden markup."""

from __future__ import annotations

import re
from html import unescape

from backend import db
from backend.web.public.demo import CANDIDATES, DEMO_EMAIL, seed


def test_seed_is_repeatable_and_gives_a_working_key(app, client):
    with app.app_context(), db.write() as s:
        _email, _password, first = seed(s)
    with app.app_context(), db.write() as s:
        _email, password, second = seed(s)
    assert first != second  # nothing kept: a new key, and the old one revoked
    me = client.get("/v1/userinfo", headers={"Authorization": f"Bearer {second}"}).get_json()
    assert me["email"] == DEMO_EMAIL and me["tzid"] == "Europe/London"
    assert (
        client.get("/v1/userinfo", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    )
    rules = client.get(
        "/v1/availability_rules", headers={"Authorization": f"Bearer {second}"}
    ).get_json()
    days = {p["day"] for p in rules["availability_rules"][0]["weekly_periods"]}
    assert days == {"monday", "tuesday", "wednesday", "thursday", "friday"}
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed_in = client.post(
        "/login", data={"csrf_token": csrf, "email": DEMO_EMAIL, "password": password}
    )
    assert signed_in.status_code == 303


def test_every_candidate_page_carries_markup_the_parser_reads(app, client):
    with app.app_context(), db.write() as s:
        _email, _password, key = seed(s)
    assert "Ada Lovelace" in client.get("/demo/").get_data(as_text=True)
    for candidate_id, person in CANDIDATES.items():
        html = client.get(f"/demo/ats/candidates/{candidate_id}").get_data(as_text=True)
        parsed = client.post(
            "/v1/markup/parse",
            json={"html": html},
            headers={"Authorization": f"Bearer {key}"},
        ).get_json()
        contact = parsed["contacts"][0]
        assert contact["name"] == person["name"]
        assert contact["email"] == person["email"]
        assert contact["reference"] == f"candidate-{candidate_id}"
        assert contact["duration_minutes"] == person["duration"]
        assert contact["source"] == "schedlink"
        assert "<script>" not in html.split("<main")[1]
        assert unescape(re.search(r'data-name="([^"]*)"', html).group(1)) == person["name"]


def test_unknown_candidate_is_404(client):
    assert client.get("/demo/ats/candidates/0").status_code == 404


def test_restarts_keep_the_password_and_key_without_piling_up_keys(app, client, tmp_path):
    from sqlalchemy import func, select

    from backend.models import ApiKey

    def active() -> int:
        with app.app_context():
            return db.session().scalar(
                select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))
            )

    with app.app_context(), db.write() as s:
        first = seed(s, tmp_path)
    with app.app_context(), db.write() as s:
        again = seed(s, tmp_path)
    assert again == first and active() == 1
    assert (tmp_path / "demo_password").stat().st_mode & 0o777 == 0o600
    # A lost key file: a new key, and the old one stops working (still one active key).
    (tmp_path / "demo_api_key").unlink()
    with app.app_context(), db.write() as s:
        _email, password, key = seed(s, tmp_path)
    assert password == first.password and key != first.key and active() == 1
    old = client.get("/v1/userinfo", headers={"Authorization": f"Bearer {first.key}"})
    assert old.status_code == 401


def test_demo_list_shows_no_hostile_markup(client):
    page = client.get("/demo/").get_data(as_text=True)
    assert "Mallory" not in page and "onerror" not in page


def test_a_host_who_changed_their_address_is_found_again(app, client, tmp_path):
    """The demo finds its host by the account id kept beside the key, not by the e-mail
    address the host may have changed: same account, same key, the current address."""
    from sqlalchemy import func, select

    from backend.models import Account

    with app.app_context(), db.write() as s:
        first = seed(s, tmp_path)
        s.scalars(select(Account)).one().email = "grace@navy.example"
    with app.app_context(), db.write() as s:
        again = seed(s, tmp_path)
    assert again == ("grace@navy.example", first.password, first.key)
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Account)) == 1
    # An instance folder from before the id was kept: the kept key finds the host.
    (tmp_path / "demo_account").unlink()
    with app.app_context(), db.write() as s:
        assert seed(s, tmp_path) == again
    assert (tmp_path / "demo_account").read_text().startswith("acc_")
