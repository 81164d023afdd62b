"""`edc serve`: prepare (SQLite) or check (PostgreSQL) the database, optionally load demo data, serve the API."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from edc import config
from edc.cli.common import run_service, safe_url, url_option

if TYPE_CHECKING:

    pass


@click.command("serve")
@url_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Server processes.")
@click.option("--demo", is_flag=True, help="Create demo accounts and demo subjects of every trial first.")
def serve(url: str | None, host: str, port: int, workers: int, demo: bool) -> None:
    """Serve the API (Ctrl-C stops it): on SQLite after migrating and registering the definitions, on PostgreSQL
    once `edc db upgrade` (as the tables' owner) has; optionally load demo data first."""
    from edc import serve as service

    target = url or config.database_url()
    run_service(lambda: _prepare(target, demo))
    if demo:
        os.environ[config.WORKSPACE_DEMO_ENV] = "1"  # the workers' login page lists the demo accounts
    click.echo(f"serving {safe_url(target)} on http://{host}:{port}  (workspace: http://{host}:{port}/workspace/login, "
               f"API docs: http://{host}:{port}/schema)")
    service.run(url=target, host=host, port=port, workers=workers)


def _prepare(url: str, demo: bool) -> None:
    from edc.serve import DatabaseNotReady, start_database

    try:
        lines = start_database(url)
    except DatabaseNotReady as exc:
        click.echo(f"error: not serving {safe_url(url)}: {exc}", err=True)
        sys.exit(1)
    for line in lines:
        click.echo(line, err=line.startswith("warning:"))
    if demo:
        _load_demo(url)


def _load_demo(url: str) -> None:
    from edc.db.engine import make_engine
    from edc.definitions.loader import load_catalog
    from edc.demo.accounts import DEMO_ACCOUNTS, DEMO_DATA_ENTRY, DEMO_PASSWORD, ensure_demo_accounts
    from edc.demo.command import run_demo

    engine = make_engine(url)
    try:
        ensure_demo_accounts(engine, load_catalog(config.forms_dir()), datetime.now(UTC))
    finally:
        engine.dispose()
    click.echo("loading demo subjects (studies that already have subjects are left alone)...")
    click.echo(str(run_demo(url, DEMO_DATA_ENTRY, seed=7, today=datetime.now(UTC).date())))
    names = ", ".join(f"{a.username} ({a.role})" for a in DEMO_ACCOUNTS)
    click.echo(f"demo accounts: {names}; password: {DEMO_PASSWORD!r}")
