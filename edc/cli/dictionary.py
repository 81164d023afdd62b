"""`edc export dictionary`: a study's data dictionary (forms, items, codelists, rules) as CSV or XLSX."""

from __future__ import annotations

from pathlib import Path

import click

from edc.cli.common import catalog_study, run_service
from edc.export.dictionary import TABLES


@click.command("dictionary")
@click.option("--study", "study_id", required=True, help="The study id, e.g. relmacel.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (its folder is created if missing).")
@click.option("--format", "file_format", type=click.Choice(("csv", "xlsx")), default="xlsx", show_default=True,
              help="xlsx: a workbook with a sheet per table; csv: the one table --table names.")
@click.option("--table", type=click.Choice(TABLES), default="items", show_default=True,
              help="The table a CSV holds (the workbook holds them all).")
def export_dictionary(study_id: str, out: Path, file_format: str, table: str) -> None:
    """Write STUDY's data dictionary from its definitions (no database needed)."""
    from edc.export import dictionary
    from edc.export.dictionary_files import write_csv, write_xlsx

    def run() -> None:
        study = catalog_study(study_id)
        out.parent.mkdir(parents=True, exist_ok=True)
        if file_format == "xlsx":
            write_xlsx(dictionary.dictionary(study), out)
        else:
            with out.open("w", encoding="utf-8", newline="") as handle:
                write_csv(dictionary.table(study, table), handle)
        click.echo(f"wrote {out}")

    run_service(run)
