"""OAuth connections end to end against the providers' stand-ins: consent with PKCE, the
callback page, tokens sealed at rest, refresh (with and without rotation), revoked grants.
(Which browser may complete a consent: test_consent_binding.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from oauth_browser import come_back
from standins import StandinProvider, query_of

from backend import db
from backend.connections import (
    AuthorizationFailed,
    ProfileDisconnected,
    ProviderUnavailable,
    access_token,
    begin_authorization,
    complete_authorization,
    oauth_providers,
    read_credentials,
)
from backend.models import Account, OAuthRequest, Profile

PROVIDERS = ["google", "microsoft", "zoom", "go_to"]
RETURN_TO = "https://ats.example.com/settings/calendars?tab=1"


@pytest.fixture(scope="module", params=PROVIDERS)
def standin(request):
    with StandinProvider(request.param) as provider:
        yield provider


@pytest.fixture
def linked_app(app, standin):
    app.config.update(standin.config())
    return app


def _begin(app, host, standin, purposes=("conferencing",), profile_id=None) -> str:
    with app.app_context(), db.write() as s:
        account = s.get(Account, host.account_id)
        profile = s.get(Profile, profile_id) if profile_id else None
        return begin_authorization(
            s,
            account=account,
            provider=oauth_providers(app.config)[standin.name],
            purposes=purposes,
            redirect_uri=RETURN_TO,
            callback_url="http://schedlink.test/oauth/callback",
            now=datetime.now(UTC),
            profile=profile,
            redirect_origins=["https://ats.example.com"],
        )


def _connect(app, client, host, standin, purposes=("conferencing",)) -> str:
    """Started without a browser (as through the API): confirmed on the way back."""
    back = standin.consent(_begin(app, host, standin, purposes))
    assert back.startswith("http://schedlink.test/oauth/callback?")
    answer = come_back(client, back)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    location = answer.headers["Location"]
    assert location.startswith(RETURN_TO + "&last_linked_profile_id=pro_")
    return query_of(location)["last_linked_profile_id"]


def _profile(app, public_id) -> Profile:
    with app.app_context():
        s = db.session()
        return s.query(Profile).filter_by(public_id=public_id).one()


def _token(app, public_id, *, now=None, force=False) -> str:
    """As callers must: a disconnect is committed (the profile says so), then reported."""
    with app.app_context():
        with db.write() as s:
            profile = s.query(Profile).filter_by(public_id=public_id).one()
            try:
                return access_token(
                    s,
                    profile=profile,
                    providers=oauth_providers(app.config),
                    outbound=app.extensions["schedlink.outbound"],
                    sealer=app.extensions["schedlink.sealer"],
                    now=now or datetime.now(UTC),
                    force_refresh=force,
                )
            except ProfileDisconnected as exc:
                disconnected = exc
        raise disconnected


def test_consent_links_a_profile_with_sealed_tokens(linked_app, client, host, standin):
    public_id = _connect(linked_app, client, host, standin)
    profile = _profile(linked_app, public_id)
    assert profile.provider_name == standin.name and profile.connected
    assert profile.purposes == ["conferencing"]
    # PKCE: the verifier went to the token endpoint, and the client authenticated as documented.
    exchange = standin.token_requests[-1]
    assert exchange["grant_type"] == "authorization_code" and len(exchange["code_verifier"]) >= 43
    assert ("client_secret" in exchange) == (standin.name in ("google", "microsoft"))
    token = _token(linked_app, public_id)
    assert token in standin.access_tokens
    assert token not in profile.credentials  # sealed, not stored in the clear
    creds = read_credentials(profile, linked_app.extensions["schedlink.sealer"])
    assert creds["token"]["access_token"] == token


def test_the_state_is_single_use(linked_app, client, host, standin):
    back = standin.consent(_begin(linked_app, host, standin))
    path = back.removeprefix("http://schedlink.test")
    assert client.get(path).status_code == 303
    again = client.get(path)
    assert again.status_code == 400
    assert "expired or was already used" in again.get_data(as_text=True)


def test_an_unknown_state_is_a_clear_page(client, linked_app):
    answer = client.get("/oauth/callback?state=forged&code=x")
    assert answer.status_code == 400
    assert "Please start again" in answer.get_data(as_text=True)


def test_an_expired_consent_is_refused(linked_app, host, standin):
    url = _begin(linked_app, host, standin)
    state = query_of(url)["state"]
    with linked_app.app_context(), db.write() as s, pytest.raises(AuthorizationFailed):
        complete_authorization(
            s,
            providers=oauth_providers(linked_app.config),
            outbound=linked_app.extensions["schedlink.outbound"],
            sealer=linked_app.extensions["schedlink.sealer"],
            state=state,
            code="whatever",
            error=None,
            callback_url="http://schedlink.test/oauth/callback",
            now=datetime.now(UTC) + timedelta(minutes=11),
            browser="a browser key",
        )


def test_a_denied_consent_goes_back_with_the_error(linked_app, client, host, standin):
    standin.deny_next_consent()
    back = standin.consent(_begin(linked_app, host, standin))
    answer = client.get(back.removeprefix("http://schedlink.test"))
    assert answer.status_code == 303
    assert answer.headers["Location"] == RETURN_TO + "&error=access_denied"
    with linked_app.app_context():
        assert db.session().query(Profile).count() == 0
        assert db.session().query(OAuthRequest).count() == 0


def test_an_expiring_token_is_refreshed_and_rotation_is_kept(linked_app, client, host, standin):
    public_id = _connect(linked_app, client, host, standin)
    first = _token(linked_app, public_id)
    later = datetime.now(UTC) + timedelta(hours=2)
    second = _token(linked_app, public_id, now=later)
    assert second != first and second in standin.access_tokens
    assert standin.token_requests[-1]["grant_type"] == "refresh_token"
    # Zoom revokes a rotated refresh token: the next refresh must use the new one.
    third = _token(linked_app, public_id, now=later + timedelta(hours=2))
    assert third not in (first, second)


def test_a_401_forces_a_refresh(linked_app, client, host, standin):
    public_id = _connect(linked_app, client, host, standin)
    first = _token(linked_app, public_id)
    standin.expire_access_tokens()
    assert _token(linked_app, public_id, force=True) != first


def test_a_revoked_grant_disconnects_the_profile(linked_app, client, host, standin):
    public_id = _connect(linked_app, client, host, standin)
    standin.revoke_refresh_tokens()
    with pytest.raises(ProfileDisconnected, match="Connect it again"):
        _token(linked_app, public_id, force=True)
    profile = _profile(linked_app, public_id)
    assert not profile.connected and "no longer accepts" in profile.disconnected_reason
    # Re-linking the same profile connects it again, same id.
    back = standin.consent(_begin(linked_app, host, standin, profile_id=profile.id))
    answer = come_back(client, back)
    assert query_of(answer.headers["Location"])["last_linked_profile_id"] == public_id
    assert _profile(linked_app, public_id).connected
    assert _token(linked_app, public_id)


def test_a_failing_token_endpoint_is_retryable_not_a_disconnect(linked_app, host, standin):
    linked_app.config[f"{standin.flavour.prefix}_TOKEN_URL"] = "http://127.0.0.1:9/token"
    with linked_app.app_context(), db.write() as s:
        profile = Profile(
            public_id="pro_" + "a" * 26,
            account_id=host.account_id,
            provider_name=standin.name,
            profile_name="x",
            purposes=["conferencing"],
        )
        from backend.connections import write_credentials

        write_credentials(
            profile,
            linked_app.extensions["schedlink.sealer"],
            {"token": {"access_token": "old", "expires_at": 0, "refresh_token": "r"}},
        )
        s.add(profile)
    with pytest.raises(ProviderUnavailable):
        _token(linked_app, "pro_" + "a" * 26)
    assert _profile(linked_app, "pro_" + "a" * 26).connected


def test_one_google_connection_serves_calendar_and_conferencing(app, client, host):
    with StandinProvider("google") as google:
        app.config.update(google.config())
        first = _connect(app, client, host, google, purposes=("calendar",))
        second = _connect(app, client, host, google, purposes=("conferencing",))
        assert first == second  # the same Google account (id_token sub): one profile
        assert _profile(app, first).purposes == ["calendar", "conferencing"]
        assert _profile(app, first).profile_name == "host@example.com"


def test_removing_a_connection_gives_its_grant_back(linked_app, client, host, standin):
    """Google and Zoom document a revocation call: the worker makes it (Zoom with the token
    in the query and the client's Basic header), the grant is dead, and the finished job no
    longer holds the sealed credentials. Microsoft and GoTo document none."""
    from sqlalchemy import select

    from backend.models import Job
    from backend.outbox import worker

    public_id = _connect(linked_app, client, host, standin)
    earlier = len(standin.revoked)  # the stand-in serves the whole module
    refresh = read_credentials(
        _profile(linked_app, public_id), linked_app.extensions["schedlink.sealer"]
    )["token"]["refresh_token"]
    removed = client.delete(f"/v1/conferencing_profiles/{public_id}", headers=host.headers)
    assert removed.status_code in (200, 202, 204), removed.get_data(as_text=True)
    worker.run_once(linked_app)
    with linked_app.app_context():
        job = db.session().scalar(select(Job).where(Job.kind == "connections.revoke"))
        assert job.status == "done" and set(job.payload) == {"provider_name"}, job.last_error
    if standin.name in ("google", "zoom"):
        assert standin.revoked[earlier:] == [refresh]
        assert refresh not in standin.refresh_tokens
    else:
        assert standin.revoked[earlier:] == [] and refresh in standin.refresh_tokens


@pytest.mark.parametrize("name", ["google", "zoom"])
def test_a_revocation_the_provider_cannot_take_now_is_tried_again(app, client, host, name):
    from sqlalchemy import select

    from backend.models import Job
    from backend.outbox import worker

    with StandinProvider(name) as standin:
        app.config.update(standin.config())
        public_id = _connect(app, client, host, standin)
        client.delete(f"/v1/conferencing_profiles/{public_id}", headers=host.headers)
        standin.fail_next(503)
        worker.run_once(app)
        with app.app_context():
            job = db.session().scalar(select(Job).where(Job.kind == "connections.revoke"))
            assert job.status == "pending" and "sealed_credentials" in job.payload
            assert "HTTP 503" in job.last_error
        assert standin.revoked == []


def test_a_connection_serving_two_uses_is_given_back_with_the_last(app, client, host):
    from backend.outbox import worker

    with StandinProvider("google") as google:
        app.config.update(google.config())
        public_id = _connect(app, client, host, google, purposes=("calendar",))
        answer = client.post(f"/v1/profiles/{public_id}/revoke", headers=host.headers)
        assert answer.status_code in (200, 202, 204), answer.get_data(as_text=True)
        worker.run_once(app)
        assert google.revoked == []  # still making meetings
        assert _profile(app, public_id).purposes == ["conferencing"]
        client.delete(f"/v1/conferencing_profiles/{public_id}", headers=host.headers)
        worker.run_once(app)
        assert len(google.revoked) == 1 and not google.refresh_tokens
