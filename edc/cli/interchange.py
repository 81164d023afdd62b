"""`edc import odm`: a CDISC ODM 1.3.2 file's clinical data imported into a study, as a user, all or nothing.

The user (--user) must hold record.import in the study (data managers); they import into their sites only. A
refused import lists every problem with its line on stderr, stores nothing and exits 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from edc.cli.common import catalog_study, run_service, url_option, write_transaction


@click.group("import")
def import_group() -> None:
    """Imports of clinical data from other systems' files."""


@import_group.command("odm")
@click.option("--study", "study_id", required=True, help="The study id, e.g. ic19.")
@click.option("--file", "odm_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The ODM 1.3.2 XML file.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A YAML file mapping a foreign system's OIDs and codes to the study's.")
@click.option("--user", "username", required=True, help="The user who imports (needs record.import).")
@url_option
def import_odm_command(study_id: str, odm_file: Path, mapping: Path | None, username: str, url: str | None) -> None:
    """Import the clinical data of --file into STUDY through the record services: validated, checked and audited
    as entered data, with the reason 'ODM import <file name>'; any problem refuses the whole file."""
    from datetime import UTC, datetime

    from edc.app.access.tokens import principal_named
    from edc.app.interchange.service import import_odm
    from edc.app.kernel.errors import ImportRefused
    from edc.app.kernel.permissions import Permission, actor_for
    from edc.export.odm.mapping import MappingInvalid, load_mapping
    from edc.export.odm.reader import MAX_BYTES

    def run() -> None:
        study = catalog_study(study_id)
        try:
            oid_mapping = load_mapping(mapping) if mapping is not None else None
        except MappingInvalid as invalid:
            _fail([str(p) for p in invalid.problems], f"the mapping file has {len(invalid.problems)} problem(s)")
        if odm_file.stat().st_size > MAX_BYTES:
            _fail([], f"{odm_file} is larger than {MAX_BYTES} bytes")
        data = odm_file.read_bytes()
        try:
            with write_transaction(url) as conn:
                actor = actor_for(principal_named(conn, username), study.id, Permission.RECORD_IMPORT)
                summary = import_odm(conn, study, actor, data, file_name=odm_file.name, mapping=oid_mapping,
                                     now=datetime.now(UTC))
        except ImportRefused as refused:
            _fail([f"{odm_file}:{p.line}: {p.message}" for p in refused.problems],
                  f"import refused: {len(refused.problems)} problem(s); nothing stored")
        click.echo(f"imported {odm_file.name} into {study.id}: {summary.subjects} subject(s), {summary.created} "
                   f"record(s) created, {summary.corrected} corrected, {summary.unchanged} unchanged, "
                   f"{summary.visits_added} unscheduled visit(s) added")

    run_service(run)


def _fail(lines: list[str], summary: str) -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    click.echo(summary, err=True)
    sys.exit(1)
