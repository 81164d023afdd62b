"""`edc db upgrade|check|revision`: the database schema, migrated from and checked against the definitions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from edc import config
from edc.cli.common import run, safe_url, url_option

if TYPE_CHECKING:

    pass


@click.group()
def db() -> None:
    """The database schema (SQLite by default, PostgreSQL via EDC_DATABASE_URL)."""


@db.command("upgrade")
@url_option
@click.option("--revision", default="head", show_default=True)
@click.option("--runtime-role", "role", default=None, metavar="ROLE",
              help="PostgreSQL role `edc serve` connects as, granted its privileges (default: EDC_RUNTIME_ROLE).")
def db_upgrade(url: str | None, revision: str, role: str | None) -> None:
    """As the tables' owner: apply the migrations, grant the runtime role, register the definitions (at head)."""
    target = url or config.database_url()
    run(lambda: _upgrade_and_register(target, revision, role or config.runtime_role()))


def _upgrade_and_register(url: str, revision: str, role: str | None) -> None:
    from edc.db import migrate
    from edc.db.engine import is_postgres
    from edc.serve import prepare_database

    if revision != "head":  # an older schema cannot hold the current definitions
        migrate.upgrade(url, revision, role=role)
        click.echo(f"database at {safe_url(url)} is at revision {revision}")
    else:
        registered = prepare_database(url, role)
        click.echo(f"database at {safe_url(url)} is at revision head")
        for entry in registered:
            click.echo(str(entry))
    if is_postgres(url):
        click.echo(f"runtime role {role} granted its privileges" if role else
                   "no runtime role granted (EDC_RUNTIME_ROLE or --runtime-role): serve as a role that owns nothing")


@db.command("check")
@url_option
def db_check(url: str | None) -> None:
    """Fail when the database schema differs from the study definitions."""
    from edc.db import migrate

    run(lambda: migrate.check(url or config.database_url()))
    click.echo("no pending schema change")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What changed, e.g. 'add ferritin to chemistry'.")
def db_revision(message: str) -> None:
    """Generate a migration for the difference between the migrations and the definitions."""
    from edc.db import migrate

    def generate() -> None:
        path = migrate.autogenerate(message)
        click.echo(f"wrote {path}" if path else "no change: the migrations match the definitions")

    run(generate)
