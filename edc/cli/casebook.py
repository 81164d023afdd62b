"""`edc export casebook`: a subject's casebook PDF, or a site's casebooks as a zip, written to a file.

Whoever runs the command holds the database URL, so they read as the
study's operator: every site, no user (nothing is written, nothing audited).
"""

from __future__ import annotations

from pathlib import Path

import click

from edc import config
from edc.cli.common import catalog_study, run_service, url_option


@click.command("casebook")
@click.option("--study", "study_id", required=True, help="The study id, e.g. ic19.")
@click.option("--subject", "subject_number", help="A subject number: write its casebook PDF.")
@click.option("--site", "site_code", help="A site code: write a zip of one casebook PDF per subject of the site.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The file to write.")
@url_option
def casebook(study_id: str, subject_number: str | None, site_code: str | None, out: Path, url: str | None) -> None:
    """Write the casebook of --subject (PDF) or of every subject of --site (zip) of STUDY to --out."""
    if (subject_number is None) == (site_code is None):
        raise click.UsageError("give exactly one of --subject or --site")

    def run() -> None:
        from datetime import UTC, datetime

        from edc.app.casebooks import service
        from edc.app.kernel.actor import Actor
        from edc.db.engine import make_engine

        study = catalog_study(study_id)
        operator = Actor(user_id=0, role="operator", site_ids=None)  # reads only: the id is never written
        engine = make_engine(url or config.database_url())
        try:
            with engine.connect() as conn:
                now = datetime.now(UTC)
                rendered = (service.casebook_pdf(conn, study=study, subject_number=subject_number, actor=operator,
                                                 now=now) if subject_number is not None else
                            service.site_casebooks_zip(conn, study=study, site_code=str(site_code), actor=operator,
                                                       now=now))
        finally:
            engine.dispose()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(rendered.content)
        click.echo(f"wrote {out} ({len(rendered.content)} bytes, content sha256 {rendered.sha256})")

    run_service(run)
