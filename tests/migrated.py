"""Databases at the head revision without running the migrations for every test.

The first test that asks for a migrated database of a backend migrates a
template once; every later one gets a copy of it (a file copy on SQLite,
`CREATE DATABASE ... TEMPLATE` on PostgreSQL), which takes a fraction of
the 1-2 s the migrations take. The migrations themselves are tested by the
tests under tests/db, which run them for real. `drop_templates` removes the
templates when the session ends.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path

from backends import admin_execute
from sqlalchemy.engine import make_url

from edc.db import migrate
from edc.db.engine import normalise_url

_sqlite_template: Path | None = None
_postgres_templates: dict[str, str] = {}  # admin URL -> template database name


def migrated(db_url: str) -> str:
    """Turn the empty database at `db_url` (from the `db_url` fixture) into one at head; return `db_url`."""
    url = make_url(normalise_url(db_url))
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        shutil.copyfile(_sqlite_template_path(), url.database)
    else:
        _recreate_from_template(url.set(database="postgres").render_as_string(hide_password=False), str(url.database))
    return db_url


def _sqlite_template_path() -> Path:
    global _sqlite_template
    if _sqlite_template is None:
        path = Path(tempfile.mkdtemp(prefix="edc-template-")) / "head.sqlite"
        migrate.upgrade(f"sqlite:///{path}")
        with sqlite3.connect(path) as conn:  # fold the write-ahead log into the file that is copied
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        _sqlite_template = path
    return _sqlite_template


def _recreate_from_template(admin_url: str, name: str) -> None:
    template = _postgres_template(admin_url)
    admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def _postgres_template(admin_url: str) -> str:
    if admin_url not in _postgres_templates:
        name = f"edc_template_{uuid.uuid4().hex[:12]}"
        admin_execute(admin_url, f'CREATE DATABASE "{name}"')
        migrate.upgrade(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
        _postgres_templates[admin_url] = name
    return _postgres_templates[admin_url]


def drop_templates() -> None:
    """Remove the templates this session made."""
    global _sqlite_template
    if _sqlite_template is not None:
        shutil.rmtree(_sqlite_template.parent, ignore_errors=True)
        _sqlite_template = None
    for admin_url, name in list(_postgres_templates.items()):
        admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        del _postgres_templates[admin_url]
