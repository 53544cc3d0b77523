"""The `schedlink` command line (design §3)."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import click

from . import create_app, db


def _instance_path() -> str:
    """The instance folder create_app() will use, found without creating an app."""
    from flask import Flask

    return os.environ.get("SCHEDLINK_INSTANCE_PATH") or Flask("backend").instance_path


def _app():
    app = create_app()
    db.migrate(app.config["DATABASE_URL"], app.extensions["schedlink.sealer"])
    return app


@click.group()
def main() -> None:
    """schedlink: personalized one-time scheduling links."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="gunicorn worker processes")
@click.option("--no-job-worker", is_flag=True, help="don't drain jobs in this process group")
@click.option(
    "--certfile",
    type=click.Path(exists=True, dir_okay=False),
    help="serve HTTPS with this certificate (PEM, chain included); TLS 1.2 at least",
)
@click.option(
    "--keyfile",
    type=click.Path(exists=True, dir_okay=False),
    help="the certificate's private key (PEM), if not in --certfile",
)
def serve(
    host: str,
    port: int,
    workers: int | None,
    no_job_worker: bool,
    certfile: str | None,
    keyfile: str | None,
) -> None:
    """Migrate the database and run the production server."""
    from .server import default_workers, prepare_metrics_dir, run

    if keyfile and not certfile:
        raise click.UsageError("--keyfile needs --certfile")
    if certfile:
        from .core.tls import server_context

        try:
            server_context(certfile, keyfile)  # fail here, clearly, not in every worker
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"cannot use that certificate and key: {exc}") from None
    prepare_metrics_dir(_instance_path())  # before anything imports prometheus_client
    app = _app()
    scheme = "https" if certfile else "http"
    click.echo(f"schedlink on {scheme}://{host}:{port}  (database: {_safe_url(app)})")
    run(
        host,
        port,
        workers or default_workers(),
        with_worker=not no_job_worker,
        certfile=certfile,
        keyfile=keyfile,
        access_log=app.config["LOG_FORMAT"] != "json",
    )


def _browser_host(host: str) -> str:
    """The name a browser on this machine uses for a listening address: `localhost` for a
    loopback or any-address bind, since passkeys refuse IP addresses."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host
    if address.is_loopback or address.is_unspecified:
        return "localhost"
    return f"[{address}]" if address.version == 6 else host


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=int)
def demo(host: str, port: int, workers: int | None) -> None:
    """Like serve, plus a demo host account, its API key and demo pages under /demo/."""
    from .server import default_workers, prepare_metrics_dir, run
    from .web.public.demo import seed

    os.environ["SCHEDLINK_DEMO"] = "true"
    prepare_metrics_dir(_instance_path())
    os.environ.setdefault("SCHEDLINK_BASE_URL", f"http://{_browser_host(host)}:{port}")
    app = _app()
    with app.app_context(), db.write() as s:
        host_email, password, key = seed(s, Path(app.instance_path))
    base = app.config["BASE_URL"]
    click.echo(
        "\n".join(
            [
                "",
                "schedlink demo",
                f"  backend URL : {base}",
                f"  demo page   : {base}/demo/",
                f"  sign in     : {base}/login  as {host_email} / {password}",
                f"  API key     : {key}",
                "  Paste the backend URL and API key into the extension's options page.",
                "",
            ]
        )
    )
    run(host, port, workers or default_workers(), access_log=app.config["LOG_FORMAT"] != "json")


@main.command()
@click.option("--once", is_flag=True, help="drain what is due, then exit")
@click.option("--poll", default=1.0, show_default=True, help="seconds between looks when idle")
def worker(once: bool, poll: float) -> None:
    """Drain the outbox: e-mail jobs and webhook deliveries."""
    from .outbox import run_worker
    from .telemetry import configure_logging

    app = _app()
    configure_logging(app.config["LOG_FORMAT"])
    run_worker(app, once=once, poll_seconds=poll)


@main.command("create-user")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--timezone", "tzid", required=True, help="IANA time zone, e.g. Europe/London")
@click.option(
    "--organization", default=None, help="join (or start, as its admin) this organization"
)
def create_user(email: str, name: str, tzid: str, organization: str | None) -> None:
    """Create an account; the password is read from stdin (one line). Prints the sub."""
    from .accounts import EmailTaken, create_account, organization_named
    from .core.validation import ValidationError
    from .organizations import members

    password = sys.stdin.readline().rstrip("\r\n")
    app = _app()
    try:
        with app.app_context(), db.write() as s:
            org_id = organization_named(s, organization).id if organization else None
            # The first account of an organization is its admin, so someone can manage it.
            role = ("member" if members(s, org_id) else "admin") if org_id else None
            account = create_account(s, email, name, tzid, password, organization_id=org_id)
            account.organization_role = role
            sub = account.sub
    except EmailTaken:
        raise click.ClickException(f"an account with {email} already exists") from None
    except ValidationError as exc:
        details = "; ".join(
            f"{field}: {item['description']}"
            for field, items in exc.errors.items()
            for item in items
        )
        raise click.ClickException(details) from None
    click.echo(sub)


@main.command("create-api-key")
@click.argument("email")
@click.option("--label", default="API key")
@click.option(
    "--expires-in-days",
    type=click.IntRange(1, 3650),
    default=None,
    help="refuse the key after this many days (default: never)",
)
def create_api_key_cmd(email: str, label: str, expires_in_days: int | None) -> None:
    """Create an API key; prints it alone on the last line."""
    from datetime import UTC, datetime, timedelta

    from .accounts import create_api_key, find_by_email

    expires_at = None
    if expires_in_days:
        expires_at = datetime.now(UTC) + timedelta(days=expires_in_days)
    app = _app()
    with app.app_context(), db.write() as s:
        account = find_by_email(s, email)
        if account is None:
            raise click.ClickException(f"no account with e-mail {email}")
        _key, plaintext = create_api_key(s, account, label, expires_at=expires_at)
    until = f", expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    click.echo(f"API key for {account.email}{until} (shown once, store it safely):", err=True)
    click.echo(plaintext)


@main.command()
@click.option("--certfile", default=None, help="the certificate serve --certfile will use")
@click.option("--keyfile", default=None, help="its private key, if not in --certfile")
def doctor(certfile: str | None, keyfile: str | None) -> None:
    """Check the configuration (keys, base URL, database, SMTP, allow-lists, TLS files,
    providers) and say what to fix. Exit status 1 when something must be fixed."""
    from sqlalchemy.orm import sessionmaker

    from . import config as app_config
    from .core.database import make_engine
    from .doctor import PROBLEM, WARNING, run_checks

    config = app_config.from_environment(Path(_instance_path()))
    engine = make_engine(config["DATABASE_URL"])
    try:
        findings = run_checks(
            config, sessionmaker(engine),
            key_from_environment=bool(os.environ.get("SCHEDLINK_SECRET_KEY")),
            certfile=certfile, keyfile=keyfile,
        )  # fmt: skip
    finally:
        engine.dispose()
    for finding in findings:
        click.echo(finding.line())
    problems = sum(f.level == PROBLEM for f in findings)
    warnings = sum(f.level == WARNING for f in findings)
    click.echo(f"\n{problems} problem(s), {warnings} warning(s)")
    if problems:
        sys.exit(1)


@main.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    app = _app()
    click.echo(f"migrated {_safe_url(app)}")


def _safe_url(app) -> str:
    from sqlalchemy.engine import make_url

    return make_url(app.config["DATABASE_URL"]).render_as_string(hide_password=True)


if __name__ == "__main__":
    main()
