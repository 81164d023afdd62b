"""The `demo` command: fill a database with the demo subjects (for the `edc` CLI to register with `add_command`).

    edc demo --user coordinator [--url URL] [--seed 7] [--today 2026-03-01] [--study ic19 ...]

The database must be migrated and the definitions registered (`edc db
upgrade`); the named user must exist. The demo acts as that user, as the
investigator of each site in turn. Studies that already have subjects are
left alone, so the command can be run again safely.
"""

from __future__ import annotations

import sys
from datetime import date, datetime

import click
from sqlalchemy import Engine, select

from edc import config
from edc.app.kernel.actor import Actor
from edc.db.core import Site, User
from edc.definitions.catalog import Catalog
from edc.demo.populate import DemoSummary, populate

DEMO_ROLE = "investigator"


def _site_actors(engine: Engine, username: str) -> dict[tuple[str, str], Actor]:
    """An actor for every registered (study, site code): the user, restricted to that site."""
    with engine.connect() as conn:
        user_id = conn.execute(select(User.id).where(User.username == username)).scalar_one_or_none()
        if user_id is None:
            raise click.ClickException(f"no user '{username}'; create one first")
        sites = conn.execute(select(Site.id, Site.study_id, Site.code)).all()
    return {(str(s.study_id), str(s.code)): Actor(int(user_id), DEMO_ROLE, frozenset({int(s.id)})) for s in sites}


def run_demo(url: str, username: str, *, seed: int, today: date, studies: tuple[str, ...] = ()) -> DemoSummary:
    """Populate the database at `url` as `username`; only `studies` when given."""
    from edc.db.engine import make_engine
    from edc.definitions.loader import load_catalog

    catalog = load_catalog(config.forms_dir())
    unknown = set(studies) - set(catalog.studies)
    if unknown:
        raise click.ClickException(f"unknown study: {', '.join(sorted(unknown))}")
    if studies:
        catalog = Catalog.of([catalog.study(s) for s in studies])
    engine = make_engine(url)
    try:
        actors = _site_actors(engine, username)
        return populate(engine, catalog, actor_for=lambda study, site: actors[(study, site)], seed=seed, today=today)
    finally:
        engine.dispose()


@click.command("demo")
@click.option("--url", help="Database URL (default: EDC_DATABASE_URL or the SQLite file).")
@click.option("--user", "username", required=True, help="Existing user the demo acts as.")
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day of data (default: today).")
@click.option("--study", "studies", multiple=True, help="Only this study (repeatable).")
def demo_command(url: str | None, username: str, seed: int, today: datetime | None, studies: tuple[str, ...]) -> None:
    """Fill the database with realistic demo subjects of every trial (studies with subjects are skipped)."""
    try:
        summary = run_demo(url or config.database_url(), username, seed=seed,
                           today=today.date() if today is not None else date.today(), studies=studies)
    except click.ClickException:
        raise
    except Exception as exc:  # a readable message, never a traceback
        click.echo(f"demo failed: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    click.echo(str(summary))
