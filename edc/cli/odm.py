"""`edc export odm`: a study's CDISC ODM 1.3.2 snapshot (metadata and clinical data), validated, into one file."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from edc import config
from edc.cli.common import catalog_study, run_service, url_option


def _moment(_: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """An ISO 8601 date and time with its offset (a bare date or a naive time is refused: which zone?)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date and time", param=param) from None
    if moment.utcoffset() is None:
        raise click.BadParameter(f"{value!r} has no offset: add Z or +hh:mm", param=param)
    return moment


@click.command("odm")
@click.option("--study", "study_id", required=True, help="The study id, e.g. ic19.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The ODM XML file to write (replaced if it exists).")
@click.option("--site", "site_codes", multiple=True, help="Only the subjects of this site code (repeatable).")
@click.option("--changed-since", "since", callback=_moment, help="Only the records changed at or after this "
              "ISO 8601 time with its offset, e.g. 2026-11-01T00:00:00Z.")
@click.option("--changed-until", "until", callback=_moment, help="Only the records changed before this time.")
@url_option
def export_odm_command(study_id: str, out: Path, site_codes: tuple[str, ...], since: datetime | None,
                       until: datetime | None, url: str | None) -> None:
    """Export STUDY as ODM 1.3.2 (values with the audit record of their last change, signatures): validated
    against CDISC's XSD, then written, or nothing written."""
    from sqlalchemy import select

    from edc.app.exports.odm import Window, export_odm
    from edc.db.core import Site
    from edc.db.engine import make_engine
    from edc.export.odm.document import OdmInvalid

    def run() -> None:
        window = Window(since, until)
        study = catalog_study(study_id)
        engine = make_engine(url or config.database_url())
        try:
            site_ids = None
            if site_codes:
                with engine.connect() as conn:
                    found = dict(conn.execute(select(Site.code, Site.id).where(
                        Site.study_id == study.id, Site.code.in_(site_codes))).all())
                unknown = sorted(set(site_codes) - set(found))
                if unknown:
                    click.echo(f"error: no site {', '.join(unknown)} in study {study.id}", err=True)
                    sys.exit(1)
                site_ids = set(found.values())
            click.echo(f"wrote {export_odm(engine, study, out, site_ids=site_ids, window=window)}")
        except OdmInvalid as refused:
            for error in refused.errors:
                click.echo(error, err=True)
            click.echo(f"export refused: {len(refused.errors)} ODM schema error(s); nothing written", err=True)
            sys.exit(1)
        finally:
            engine.dispose()

    run_service(run)
