"""The `edc` command line: check definitions, migrate databases, verify the audit trail, manage users, export.

`main` is the entry point (`edc = "edc.cli:main"`, `python -m edc`); each
command group lives in its own module: `definitions`, `db`, `audit`,
`escalation`, `export` (with `casebook`), `interchange` (`edc import`), `serve`,
`users`, `coding`, and `demo` from `edc.demo.command`.
Every command exits non-zero with a readable message on failure; a Python
traceback reaching the user is a bug.
"""

from __future__ import annotations

import click

from edc.cli import (
    audit,
    casebook,
    coding,
    db,
    definitions,
    dictionary,
    escalation,
    export,
    interchange,
    serve,
    users,
)
from edc.demo.command import demo_command


@click.group()
def main() -> None:
    """Electronic data capture for early-phase cell-therapy trials."""


for _command in (definitions.definitions, db.db, audit.audit, escalation.escalation, export.export, serve.serve,
                 users.users, coding.coding, interchange.import_group, demo_command):
    main.add_command(_command)
export.export.add_command(dictionary.export_dictionary)
export.export.add_command(casebook.casebook)
