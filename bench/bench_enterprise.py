"""Enterprise Connect sync speed and token use against individual connections, same run
(issue 24).

    .venv/bin/python bench/bench_enterprise.py [--quick]

50 members' Outlook mailboxes (each about 60 events over the sync window, two pages) in a
Microsoft 365 tenant stand-in. "individual" syncs 50 profiles that each hold their own
delegated token (Graph `/me`); "enterprise" syncs 50 profiles made through one enterprise
connection (Graph `/users/{upn}` with the tenant's app token from the client-credentials
grant). Both are the worker's whole job per profile (read through the outbound guard, store
the events, SQLite), fresh profiles each round, rounds alternated, medians compared. Token
requests are counted at the stand-ins: one per tenant for Microsoft, and for a Google
Workspace domain one per member, then none on the next sync while the tokens last.

Prints, e.g.:
    enterprise/individual ratio = 1.04 (target <= 1.2)
    microsoft token requests for 50 members: 1 (target <= 51)
    google token requests for 50 members, two syncs: 50 (target <= 51)
Nothing is asserted; the exit status is 0 unless something raises.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
warnings.simplefilter("ignore", DeprecationWarning)
logging.getLogger("werkzeug").setLevel(logging.ERROR)

from sqlalchemy import select  # noqa: E402
from standins import StandinProvider  # noqa: E402
from standins.enterprise import GoogleDomain, MicrosoftTenant  # noqa: E402

from backend import create_app  # noqa: E402
from backend.accounts import create_account  # noqa: E402
from backend.calendars import SOURCES, run_sync  # noqa: E402
from backend.connections import new_profile, read_credentials  # noqa: E402
from backend.connections.enterprise import seal  # noqa: E402
from backend.core import database  # noqa: E402
from backend.models import EnterpriseConnection, Organization  # noqa: E402
from backend.outbox.calendar_jobs import services  # noqa: E402

MEMBERS, EVENTS = 50, 60
FMT = "%Y-%m-%dT%H:%M:%S.0000000"


def fill(tenant: MicrosoftTenant, google: GoogleDomain, members: int) -> list[str]:
    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    upns = []
    for m in range(members):
        upn = f"member{m}@contoso.com"
        graph = tenant.add_user(upn)
        graph.add_calendar("AAMkcal1", "Calendar", default=True)
        gcal = google.add_user(upn)
        gcal.add_calendar(f"{m}-primary", "Work", primary=True)
        for e in range(EVENTS):
            at = start + timedelta(days=e, hours=m % 8)
            graph.add_event(
                "AAMkcal1",
                {
                    "subject": f"Meeting {e}",
                    "start": {"dateTime": at.strftime(FMT), "timeZone": "UTC"},
                    "end": {
                        "dateTime": (at + timedelta(minutes=30)).strftime(FMT),
                        "timeZone": "UTC",
                    },
                },
            )
            gcal.add_event(
                f"{m}-primary",
                {
                    "summary": f"Meeting {e}",
                    "start": {"dateTime": at.isoformat()},
                    "end": {"dateTime": (at + timedelta(minutes=30)).isoformat()},
                },
            )
        upns.append(upn)
    return upns


def make_profiles(app, kind: str, upns: list[str], tenant: MicrosoftTenant, round_: int, conn_id):
    sealer = app.extensions["schedlink.sealer"]
    ids = []
    with app.app_context(), database.write(app.extensions["schedlink.sessions"]) as s:
        for upn in upns:
            account = create_account(
                s, f"{kind}{round_}-{upn}", "Member", "Europe/London", "correct horse battery"
            )
            if kind == "individual":
                token = {
                    "access_token": tenant.user_token(upn),
                    "refresh_token": "unused",
                    "expires_at": int(time.time()) + 3600,
                }
                profile = new_profile(
                    s,
                    account=account,
                    provider_name="microsoft",
                    profile_name=upn,
                    purposes=["calendar"],
                    sealer=sealer,
                    credentials={"token": token},
                )
            else:
                provider = "exchange" if kind == "enterprise" else "google"
                profile = new_profile(
                    s,
                    account=account,
                    provider_name=provider,
                    profile_name=upn,
                    purposes=["calendar"],
                    sealer=sealer,
                    credentials={"upn": upn},
                    external_id=upn,
                )
                profile.enterprise_connection_id = conn_id
            ids.append(profile.public_id)
    return ids


def sync_all(app, ids: list[str]) -> float:
    sealer = app.extensions["schedlink.sealer"]
    with app.app_context():
        svc = services()
        began = time.perf_counter()
        for pid in ids:
            changed = run_sync(
                app.extensions["schedlink.sessions"],
                pid,
                SOURCES,
                svc,
                datetime.now(UTC),
                300,
                lambda p: read_credentials(p, sealer),
            )
            assert changed is not None, f"{pid} did not sync"
        return time.perf_counter() - began


def connection(app, provider: str, tenant: str, credentials: dict | None) -> int:
    sealer = app.extensions["schedlink.sealer"]
    with app.app_context(), database.write(app.extensions["schedlink.sessions"]) as s:
        org = s.scalar(select(Organization)) or Organization(name="Contoso")
        s.add(org)
        s.flush()
        conn = EnterpriseConnection(
            public_id=f"ent_bench{provider}",
            organization_id=org.id,
            provider_name=provider,
            tenant=tenant,
            status="active",
            credentials=seal(sealer, credentials) if credentials else None,
        )
        s.add(conn)
        s.flush()
        return conn.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    members = 10 if args.quick else MEMBERS
    rounds = 1 if args.quick else 3
    ms_provider, g_provider = StandinProvider("microsoft"), StandinProvider("google")
    tenant = MicrosoftTenant(ms_provider, "contoso.com")
    domain = GoogleDomain(g_provider, "contoso.com")
    with ms_provider, g_provider, tempfile.TemporaryDirectory() as tmp:
        tenant.consented = True
        upns = fill(tenant, domain, members)
        app = create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": tmp,
                "SECRET_KEY": "bench",
                "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
                "BASE_URL": "http://schedlink.test",
                "OUTBOUND_ALLOW": ["127.0.0.1"],
                **ms_provider.config(),
                "GOOGLE_API_URL": g_provider.url,
            }
        )
        database.migrate(f"sqlite:///{tmp}/bench.db")
        ms_conn = connection(app, "microsoft", "contoso.com", None)
        key = domain.new_key()
        g_conn = connection(
            app,
            "google",
            "contoso.com",
            {
                "key": {
                    f: key[f]
                    for f in ("type", "client_email", "private_key", "token_uri", "private_key_id")
                }
            },
        )
        individual, enterprise = [], []
        for r in range(rounds):
            for kind in (
                ("individual", "enterprise") if r % 2 == 0 else ("enterprise", "individual")
            ):
                ids = make_profiles(app, kind, upns, tenant, r, ms_conn)
                (individual if kind == "individual" else enterprise).append(sync_all(app, ids))
        ms_tokens = len(tenant.token_requests)
        g_ids = make_profiles(app, "google", upns, tenant, 99, g_conn)
        g_first = sync_all(app, g_ids)
        sync_all(app, g_ids)
        g_tokens = len(domain.token_requests)
        app.extensions["schedlink.engine"].dispose()
    ind, ent = statistics.median(individual), statistics.median(enterprise)
    print(f"members = {members}, events each = {EVENTS}, rounds = {rounds}")
    print(f"individual sync of {members} profiles: median {ind:.2f}s")
    print(f"enterprise sync of {members} profiles: median {ent:.2f}s")
    print(f"enterprise/individual ratio = {ent / ind:.2f} (target <= 1.2)")
    print(
        f"microsoft token requests for {members} members, {rounds} syncs each: {ms_tokens} "
        f"(target <= {1 + members})"
    )
    print(
        f"google first sync of {members} members: {g_first:.2f}s; token requests for two "
        f"syncs: {g_tokens} (target <= {1 + members})"
    )


if __name__ == "__main__":
    main()
