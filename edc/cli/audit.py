"""`edc audit verify`: the audit trail's hash chain recomputed, and with --replay the data rebuilt from it."""

from __future__ import annotations

import sys

import click

from edc import config
from edc.cli.common import run, url_option


@click.group()
def audit() -> None:
    """The audit trail: append-only, hash-chained events."""


@audit.command("verify")
@url_option
@click.option("--replay", is_flag=True, help="Also rebuild the data from the trail and compare it with the tables.")
def audit_verify(url: str | None, replay: bool) -> None:
    """Recompute the audit trail's hash chain; exit 1 naming the first broken event.

    With --replay, also rebuild every record, subject, visit and decision from the events alone and name
    every value, row or event on which the tables and the trail disagree."""
    from edc.audit import VerifyResult, verify
    from edc.db.engine import make_engine

    results: list[VerifyResult] = []

    def check() -> None:
        engine = make_engine(url or config.database_url())
        try:
            with engine.connect() as conn:
                results.append(verify(conn))
        finally:
            engine.dispose()

    run(check)
    if not results[0].ok:
        click.echo(f"audit trail broken at event {results[0].first_broken_id}: {results[0].reason}", err=True)
        sys.exit(1)
    click.echo(f"audit trail intact: {results[0].checked} events")
    if replay:
        run(lambda: _replay(url or config.database_url()))


def _replay(url: str) -> None:
    """Replay the trail against the tables in one snapshot; exit 1 listing every discrepancy."""
    from edc.audit.replay import replay
    from edc.db.engine import make_engine
    from edc.definitions.loader import load_catalog

    catalog = load_catalog(config.forms_dir())
    engine = make_engine(url)
    try:
        snapshot = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
        with engine.connect().execution_options(**snapshot) as conn:
            result = replay(conn, catalog)
    finally:
        engine.dispose()
    for found in result.discrepancies:
        click.echo(str(found), err=True)
    if not result.ok:
        more = f" (and {result.unlisted} more)" if result.unlisted else ""
        click.echo(f"replay: {len(result.discrepancies) + result.unlisted} discrepancies{more}", err=True)
        sys.exit(1)
    click.echo(f"replay: the tables are what the trail says ({result.rows} rows compared, "
               f"{result.events} event reads)")
