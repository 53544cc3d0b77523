"""Which browser may complete a consent (issue 19 item 2). A consent URL minted by one
account and completed by someone else must not put that person's provider grant on the
minting account: a consent a signed-in browser started completes only in that browser; one
started through the API stops on a confirmation page that names the schedlink account, and
nothing is stored until that browser says Connect. Against the providers' stand-ins."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from helpers import _csrf, login, make_host
from oauth_browser import confirmation_page, decide, local
from sqlalchemy import select, update
from standins import StandinProvider, query_of

from backend import db
from backend.connections import begin_authorization, oauth_providers
from backend.core.outbound import Outbound
from backend.models import Account, Job, OAuthRequest, Profile
from backend.outbox import worker

AFTER = "http://schedlink.test/after"


@pytest.fixture(scope="module", params=["google", "zoom"])
def standin(request):
    """Google sends an id_token (the page names the Google account), Zoom does not; both
    document a revocation call, so a grant given back can be seen."""
    with StandinProvider(request.param) as provider:
        yield provider


@pytest.fixture
def linked_app(app, standin):
    app.config.update(standin.config())
    app.extensions["schedlink.outbound"] = Outbound(allow=["127.0.0.1"])
    return app


def _profiles(app, host, standin) -> list[Profile]:
    with app.app_context():
        return list(
            db.session().scalars(
                select(Profile).where(
                    Profile.account_id == host.account_id,
                    Profile.provider_name == standin.name,
                )
            )
        )


def _start_in_browser(client, standin) -> str:
    """The signed-in host presses Connect on the conferencing page: the consent URL."""
    login(client)
    page = client.get("/settings/conferencing").get_data(as_text=True)
    started = client.post(
        f"/settings/conferencing/connect/{standin.name}", data={"csrf_token": _csrf(page)}
    )
    assert started.status_code == 302, started.get_data(as_text=True)
    return started.headers["Location"]


def _start_through_api(client, host, standin) -> str:
    started = client.post(
        "/v1/conferencing_service_authorizations",
        json={"redirect_uri": AFTER, "provider_name": standin.name},
        headers=host.headers,
    )
    assert started.status_code == 200, started.get_json()
    return started.get_json()["authorization_request"]["url"]


def test_a_consent_started_in_the_browser_completes_there_at_once(
    linked_app, client, host, standin
):
    callback = standin.consent(_start_in_browser(client, standin))
    back = client.get(local(callback))
    assert back.status_code == 303
    assert back.headers["Location"].startswith(
        "http://schedlink.test/settings/conferencing?last_linked_profile_id=pro_"
    )
    (profile,) = _profiles(linked_app, host, standin)
    assert profile.public_id == query_of(back.headers["Location"])["last_linked_profile_id"]


def test_a_consent_started_in_one_browser_stores_nothing_in_another(
    linked_app, client, host, standin
):
    """The attacker starts a consent in their own signed-in browser and sends the provider's
    URL to the victim, who consents: the victim's browser comes back without the attacker's
    cookie (or with its own), and nothing is connected to anyone."""
    for victim_has_own_cookie in (False, True):
        url = _start_in_browser(client, standin)
        callback = standin.consent(url)  # the victim consents with their provider account
        exchanged = len(standin.token_requests)
        victim = linked_app.test_client()
        if victim_has_own_cookie:
            victim.set_cookie("schedlink_oauth", "v" * 43, domain="schedlink.test", path="/oauth")
        answer = victim.get(local(callback))
        assert answer.status_code == 400
        assert "started in another browser" in answer.get_data(as_text=True)
        assert _profiles(linked_app, host, standin) == []
        assert len(standin.token_requests) == exchanged  # the code was not even exchanged


def test_an_api_consent_is_confirmed_naming_the_account_before_anything_is_stored(
    linked_app, client, host, standin
):
    with linked_app.app_context(), db.write() as s:
        s.execute(
            update(Account).where(Account.id == host.account_id).values(name="Eve <i>Mallory</i>")
        )
    callback = standin.consent(_start_through_api(client, host, standin))
    browser = linked_app.test_client()  # whoever was sent the URL: no schedlink session
    page = confirmation_page(browser, callback)
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    target = re.search(r'<p id="target-account">(.*?)</p>', html, re.S).group(1)
    assert "Eve &lt;i&gt;Mallory&lt;/i&gt;" in target and host.email in target  # escaped
    assert f"Connect to {host.email}" in html and 'value="cancel"' in html
    if standin.name == "google":  # the id_token names the provider account being connected
        assert '<strong id="provider-account">host@example.com</strong>' in html
    assert _profiles(linked_app, host, standin) == []  # exchanged, but held: nothing stored
    assert 'id="other-account"' not in html
    # A browser signed in to another schedlink account is told it is not that account.
    make_host(linked_app, email="victim@example.com")
    login(browser, email="victim@example.com")
    page = browser.get(f"/oauth/confirm?state={query_of(callback)['state']}")
    html = page.get_data(as_text=True)
    assert "You are signed in to schedlink as victim@example.com" in html

    answer = decide(browser, page, "connect")
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(AFTER + "?last_linked_profile_id=pro_")
    (profile,) = _profiles(linked_app, host, standin)
    assert profile.connected and profile.purposes == ["conferencing"]
    with linked_app.app_context():
        assert db.session().scalar(select(OAuthRequest)) is None


def test_cancelling_the_confirmation_stores_nothing_and_gives_the_grant_back(
    linked_app, client, host, standin
):
    callback = standin.consent(_start_through_api(client, host, standin))
    browser = linked_app.test_client()
    page = confirmation_page(browser, callback)
    issued = set(standin.refresh_tokens)
    answer = decide(browser, page, "cancel")
    assert (
        answer.status_code == 303 and answer.headers["Location"] == AFTER + "?error=access_denied"
    )
    assert _profiles(linked_app, host, standin) == []
    earlier = len(standin.revoked)
    worker.run_once(linked_app)
    assert len(standin.revoked) == earlier + 1 and standin.revoked[-1] in issued


def test_only_the_browser_that_came_back_can_confirm(linked_app, client, host, standin):
    """The state is in the URL the API answered with, so the account that minted it knows it;
    the held consent still answers only the victim's browser."""
    callback = standin.consent(_start_through_api(client, host, standin))
    victim = linked_app.test_client()
    page = confirmation_page(victim, callback)
    state = query_of(callback)["state"]
    attacker = client  # signed in to the minting account, with its own CSRF token
    login(attacker)
    token = _csrf(attacker.get("/settings/conferencing").get_data(as_text=True))
    assert attacker.get(f"/oauth/confirm?state={state}").status_code == 400
    taken = attacker.post(
        "/oauth/confirm", data={"csrf_token": token, "state": state, "action": "connect"}
    )
    assert taken.status_code == 400 and "started in another browser" in taken.get_data(True)
    assert (
        victim.post("/oauth/confirm", data={"state": state, "action": "connect"}).status_code == 400
    )
    assert _profiles(linked_app, host, standin) == []
    assert decide(victim, page, "connect").status_code == 303  # still the victim's to decide


def test_an_unconfirmed_consent_gives_its_grant_back_when_it_expires(
    linked_app, client, host, standin
):
    callback = standin.consent(_start_through_api(client, host, standin))
    confirmation_page(linked_app.test_client(), callback)  # held, never answered
    with linked_app.app_context(), db.write() as s:  # the next consent, later, tidies up
        begin_authorization(
            s,
            account=s.get(Account, host.account_id),
            provider=oauth_providers(linked_app.config)[standin.name],
            purposes=["conferencing"],
            redirect_uri=AFTER,
            callback_url="http://schedlink.test/oauth/callback",
            now=datetime.now(UTC) + timedelta(minutes=30),
        )
    with linked_app.app_context():
        assert db.session().scalar(select(Job).where(Job.kind == "connections.revoke"))
    earlier = len(standin.revoked)
    worker.run_once(linked_app)
    assert len(standin.revoked) == earlier + 1
    assert _profiles(linked_app, host, standin) == []


def test_the_confirmation_may_send_the_browser_on_to_a_listed_host_app(
    linked_app, client, host, standin
):
    """Connect's answer redirects to the host app's origin, which the page's CSP names
    (browsers apply form-action to a form's redirects)."""
    linked_app.config["REDIRECT_ORIGINS"] = ["https://app.example"]
    started = client.post(
        "/v1/conferencing_service_authorizations",
        json={"redirect_uri": "https://app.example/done", "provider_name": standin.name},
        headers=host.headers,
    )
    browser = linked_app.test_client()
    page = confirmation_page(
        browser, standin.consent(started.get_json()["authorization_request"]["url"])
    )
    assert "form-action 'self' https://app.example;" in page.headers["Content-Security-Policy"]
    answer = decide(browser, page, "connect")
    assert answer.headers["Location"].startswith("https://app.example/done?last_linked_profile_id=")
