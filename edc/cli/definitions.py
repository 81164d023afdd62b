"""`edc definitions check`: every study definition and SDTM spec validated, each problem as file:line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from edc import config
from edc.definitions.loader import check_definitions

if TYPE_CHECKING:

    pass


@click.group()
def definitions() -> None:
    """Study definitions (YAML under forms/)."""


@definitions.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def definitions_check(path: Path | None) -> None:
    """Validate every definition under PATH (default: forms/); list all problems or the studies."""
    root = path or config.forms_dir()
    catalog, problems = check_definitions(root)
    if problems or catalog is None:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(problems)} problem(s) in {root}", err=True)
        sys.exit(1)
    for study in catalog.studies.values():
        click.echo(study.summary())
