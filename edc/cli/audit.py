"""`edc audit verify`: the audit trail's hash chain recomputed."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from edc import config
from edc.cli.common import run, url_option

if TYPE_CHECKING:

    pass


@click.group()
def audit() -> None:
    """The audit trail: append-only, hash-chained events."""


@audit.command("verify")
@url_option
def audit_verify(url: str | None) -> None:
    """Recompute the audit trail's hash chain; exit 1 naming the first broken event."""
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
