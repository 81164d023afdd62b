"""`edc export sdtm`: a study's SDTM submission, with progress on stderr."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from edc import config
from edc.cli import odm
from edc.cli.common import catalog_study, run_service, url_option
from edc.export.formats import FORMATS

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from edc.export.run import ExportResult, Progress


@click.group()
def export() -> None:
    """Submission exports of a study's data."""


export.add_command(odm.export_odm_command)



@export.command("sdtm")
@click.option("--study", "study_id", required=True, help="The study id, e.g. ic19.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The directory to write into (created if missing).")
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS),
              help="A dataset file format (repeatable; default: all). define.xml is always written.")
@click.option("--allow-uncoded", is_flag=True,
              help="Export although verbatim terms are not coded yet (their dictionary variables stay null); "
                   "without it, uncoded terms are listed and refuse the export.")
@url_option
def export_sdtm(study_id: str, out: Path, formats: tuple[str, ...], allow_uncoded: bool, url: str | None) -> None:
    """Export STUDY as SDTM: every dataset validated, then written with define.xml, or nothing written."""
    from edc.app.exports.submission import export_study
    from edc.db.engine import make_engine
    from edc.export.sdtm.failures import SubmissionInvalid
    from edc.export.sdtm.trialdesign.common import DesignError

    done: list[ExportResult] = []
    progress = _ExportProgress()

    def run() -> None:
        study = catalog_study(study_id)
        engine = make_engine(url or config.database_url())
        try:
            done.append(export_study(engine, study, out, formats=formats or FORMATS, progress=progress,
                                     allow_uncoded=allow_uncoded))
        except SubmissionInvalid as refused:
            progress.close()
            for failure in refused.failures:
                click.echo(str(failure), err=True)
            click.echo(f"export refused: {len(refused.failures)} failure(s); nothing written", err=True)
            sys.exit(1)
        except DesignError as exc:
            progress.close()
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        finally:
            engine.dispose()

    run_service(run)
    progress.close()
    click.echo(f"wrote {done[0].directory}")
    for name, rows in done[0].rows.items():
        click.echo(f"  {name:<8} {rows:>7} row(s)" + ("" if rows else " (empty: not written)"))


class _ExportProgress:
    """Progress on stderr: a bar on a terminal, otherwise a line per dataset finished."""

    def __init__(self) -> None:
        self._bar: ProgressBar[int] | None = None
        self._done = 0

    def __call__(self, event: Progress) -> None:
        if sys.stderr.isatty():
            if self._bar is None:
                self._bar = click.progressbar(length=event.total, label="exporting", file=sys.stderr)
            self._bar.label = f"exporting {event.dataset:<8}"
            self._bar.update(event.done - self._done)
        elif event.done > self._done:
            click.echo(f"[{event.done}/{event.total}] {event.dataset}", err=True)
        self._done = event.done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.render_finish()
            self._bar = None
