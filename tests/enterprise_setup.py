"""Enterprise Connect's test set-up, shared by the tests of connections and of meetings: the
Microsoft 365 tenant and Google Workspace domain stand-ins (module-scoped), an app pointed at
them, a team (an admin, two members in the tenant, one outside it), and the steps every test
takes through the public API: the admin consent, service account authorizations and their
signed callbacks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from helpers import make_host, path_of
from standardwebhooks import Webhook
from standins import StandinProvider, query_of
from standins.enterprise import GoogleDomain, MicrosoftTenant
from webhook_receiver import Receiver

from backend import create_app, db
from backend.models import Account
from backend.organizations import create_organization
from backend.organizations.members import join
from backend.outbox import run_once

RETURN_TO = "https://admin.example.com/enterprise"


@pytest.fixture(scope="module")
def microsoft():
    provider = StandinProvider("microsoft")
    tenant = MicrosoftTenant(provider, "contoso.com")
    with provider:
        yield tenant


@pytest.fixture(scope="module")
def google():
    provider = StandinProvider("google")
    domain = GoogleDomain(provider, "contoso.com")
    with provider:
        yield domain


@pytest.fixture(scope="module")
def receiver():
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
def app(database_url, tmp_path, microsoft, google):
    microsoft.consented, microsoft.mailboxes, microsoft.no_mailbox = False, {}, set()
    microsoft.certificate_public = None
    microsoft.token_requests.clear()
    microsoft.graph_requests.clear()
    google.token_requests.clear()
    google.users, google.delegated = {}, set()
    config = microsoft.provider.config()
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "BASE_URL": "http://schedlink.test",
            "SERVER_NAME": "schedlink.test",
            "OUTBOUND_ALLOW": ["127.0.0.1"],
            "REDIRECT_ORIGINS": ["https://admin.example.com"],
            **config,
            "GOOGLE_API_URL": google.provider.url,
        }
    )
    yield app
    app.extensions["schedlink.engine"].dispose()


@pytest.fixture
def team(app):
    """An admin (ada@contoso.com), two members in the tenant, one outside it."""
    admin = make_host(app, "ada@contoso.com", "Ada")
    others = [
        make_host(app, e, e.split("@")[0])
        for e in ("bob@contoso.com", "cy@contoso.com", "dee@elsewhere.org")
    ]
    with app.app_context(), db.write() as s:
        org = create_organization(s, s.get(Account, admin.account_id), "Contoso")
        for other in others:
            join(s.get(Account, other.account_id), org, "member")
    return admin, others


def day_ahead() -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=(1 - today.weekday()) % 7 + 1)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def graph_event(graph, start: datetime, end: datetime, subject: str) -> None:
    fmt = "%Y-%m-%dT%H:%M:%S.0000000"
    graph.add_event(
        "AAMkcal1",
        {
            "subject": subject,
            "start": {"dateTime": start.strftime(fmt), "timeZone": "UTC"},
            "end": {"dateTime": end.strftime(fmt), "timeZone": "UTC"},
        },
    )


def connect_microsoft(client, admin, microsoft) -> str:
    started = client.post(
        "/v1/organization/enterprise_connections",
        headers=admin.headers,
        json={"provider_name": "microsoft", "tenant": "contoso.com", "redirect_uri": RETURN_TO},
    )
    assert started.status_code == 200, started.get_json()
    url = started.get_json()["authorization_request"]["url"]
    assert url.startswith(f"{microsoft.provider.url}/contoso.com/v2.0/adminconsent?")
    args = query_of(url)
    assert args["scope"] == "https://graph.microsoft.com/.default"
    assert args["redirect_uri"] == "http://schedlink.test/enterprise/admin_consent"
    back = microsoft.provider.consent(url)
    assert query_of(back)["admin_consent"] == "True"
    answer = client.get(path_of(back))
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert location.startswith(RETURN_TO + "?enterprise_connection_id=ent_")
    assert query_of(location)["status"] == "active"
    return query_of(location)["enterprise_connection_id"]


def authorize(client, admin, email, receiver, state="s-1"):
    return client.post(
        "/v1/service_account_authorizations",
        headers=admin.headers,
        json={"email": email, "scope": "read_write", "state": state, "callback_url": receiver.url},
    )


def callbacks(app, client, admin, receiver, count: int) -> list[dict]:
    for _ in range(3):
        run_once(app)
    got = receiver.wait_for(count, type_="service_account_authorization")
    secret = client.get("/v1/webhook_secret", headers=admin.headers).get_json()["secret"]
    for item in got:
        Webhook(secret).verify(item.body, item.headers)
    return [item.json for item in got[-count:]]
