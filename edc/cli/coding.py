"""`edc coding load|use|list`: the sponsor's dictionary releases (MedDRA, WHODrug) and the study's release of each.

    edc coding load meddra DIR --version 27.1       a MedDRA release from its ASCII files (llt.asc ... mdhier.asc)
    edc coding load whodrug DIR --version "GLOBALB3 2025 Mar 1"   WHODrug Global, B3 format (DD.txt, DDA.txt, INA.txt)
    edc coding use --study ic19 meddra 27.1         the release a study codes with (as the data manager's PUT does)
    edc coding list                                 every release loaded, and each study's

A release with a problem is not loaded: every problem is printed as
`file:line: message` and the command exits 1.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from edc import config
from edc.cli.common import catalog_study, run, run_service, url_option, write_transaction
from edc.definitions.coding import DICTIONARIES

_DICTIONARY = click.Choice(sorted(DICTIONARIES))


@click.group()
def coding() -> None:
    """Medical coding dictionaries: load a sponsor's release, set the one a study codes with."""


@coding.command("load")
@click.argument("dictionary", type=_DICTIONARY)
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--version", "version", required=True, help="The release's version, e.g. 27.1.")
@url_option
def load(dictionary: str, directory: Path, version: str, url: str | None) -> None:
    """Load the DICTIONARY release in DIRECTORY (the distribution's files), checked whole before anything is stored."""
    from edc.app.coding.dictionaries import load_release
    from edc.coding.files import DictionaryInvalid

    loaded: list[str] = []

    def store() -> None:
        try:
            with write_transaction(url) as conn:
                release, terms = load_release(conn, kind=dictionary, directory=directory, version=version,
                                              now=datetime.now(UTC))
        except DictionaryInvalid as invalid:
            for problem in invalid.problems:
                click.echo(str(problem), err=True)
            click.echo(f"not loaded: {len(invalid.problems)} problem(s) in {directory}", err=True)
            sys.exit(1)
        loaded.append(f"loaded {DICTIONARIES[dictionary]} {release.version}: {terms} terms")

    run_service(store)
    click.echo(loaded[0])


@coding.command("use")
@click.option("--study", "study_id", required=True, help="The study id, e.g. ic19.")
@click.argument("dictionary", type=_DICTIONARY)
@click.argument("version")
@url_option
def use(study_id: str, dictionary: str, version: str, url: str | None) -> None:
    """Code STUDY's terms with the loaded DICTIONARY release VERSION (the queue is matched against it)."""
    from edc.app.coding.dictionaries import use_release

    def store() -> None:
        study = catalog_study(study_id)
        with write_transaction(url) as conn:
            use_release(conn, study=study, kind=dictionary, version=version, actor=None, now=datetime.now(UTC))

    run_service(store)
    click.echo(f"{study_id} codes with {DICTIONARIES[dictionary]} {version}")


@coding.command("list")
@url_option
def listing(url: str | None) -> None:
    """Every release loaded, and the release each study codes with."""
    from edc.app.coding import dictionary_store
    from edc.db.engine import make_engine

    lines: list[str] = []

    def read() -> None:
        engine = make_engine(url or config.database_url())
        try:
            with engine.connect() as conn:
                for row in dictionary_store.releases(conn):
                    lines.append(f"{DICTIONARIES[row.kind]} {row.version}: {row.terms} terms, loaded {row.loaded_at}")
                for study_id in dictionary_store.studies_with_releases(conn):
                    for kind, used in sorted(dictionary_store.study_releases(conn, study_id).items()):
                        lines.append(f"{study_id} codes with {DICTIONARIES[kind]} {used.version}")
        finally:
            engine.dispose()

    run(read)
    click.echo("\n".join(lines) if lines else "no dictionary release loaded")
