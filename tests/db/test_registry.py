"""Loaded definitions are registered whole; a version number names one content only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from edc.db import migrate
from edc.db.core import DefinitionVersion, Site, Study
from edc.db.engine import make_engine
from edc.db.registry import VersionConflict, current_version_id, register_catalog
from edc.definitions.loader import load_catalog

MINIMAL = Path(__file__).parent.parent / "data" / "minimal"
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def forms(tmp_path: Path) -> Path:
    shutil.copytree(MINIMAL, tmp_path / "forms")
    return tmp_path / "forms"


def test_register_stores_study_sites_and_the_whole_definition(db_url: str, forms: Path) -> None:
    migrate.upgrade(db_url)
    catalog = load_catalog(forms)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        first = register_catalog(conn, catalog, NOW)
    with engine.begin() as conn:
        again = register_catalog(conn, catalog, NOW)
        study = conn.execute(select(Study.__table__)).mappings().one()
        sites = conn.execute(select(Site.code, Site.name)).all()
        stored = conn.execute(select(DefinitionVersion.__table__)).mappings().one()
        assert current_version_id(conn, catalog.study("mini")) == stored["id"]
    engine.dispose()
    assert [r.new for r in first] == [True] and [r.new for r in again] == [False]
    assert (study["id"], study["protocol_id"]) == ("mini", "MINI-01")
    assert sites == [("01", "First site")]
    assert stored["version"] == "1.0.0"
    assert stored["sha256"] == catalog.study("mini").sha256
    assert stored["snapshot"] == catalog.study("mini").snapshot()


def test_a_version_id_is_remembered_once_committed_and_forgotten_with_a_rollback(db_url: str, forms: Path) -> None:
    migrate.upgrade(db_url)
    study = load_catalog(forms).study("mini")
    engine = make_engine(db_url, pool_size=1, max_overflow=0)  # one pooled connection: the memo lives on it
    reads: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: reads.append(statement) if "definition_versions" in statement
                 else None)

    def lookups() -> int:
        with engine.connect() as conn:
            before = len(reads)
            current_version_id(conn, study)
            return len(reads) - before

    with engine.connect() as conn:
        register_catalog(conn, load_catalog(forms), NOW)
        assert current_version_id(conn, study) > 0
        conn.rollback()  # the registration is gone, and so is the id it read
    with engine.connect() as conn, pytest.raises(VersionConflict):
        current_version_id(conn, study)
    with engine.begin() as conn:
        register_catalog(conn, load_catalog(forms), NOW)
        stored = current_version_id(conn, study)
    assert lookups() == 0  # committed: read from the memo, even by a read-only connection rolled back after
    assert lookups() == 0
    with engine.begin() as conn:
        assert current_version_id(conn, study) == stored
    engine.dispose()


def test_a_changed_definition_needs_a_new_version(db_url: str, forms: Path) -> None:
    migrate.upgrade(db_url)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        register_catalog(conn, load_catalog(forms), NOW)

    study_file = forms / "mini" / "study.yaml"
    study_file.write_text(study_file.read_text().replace("day: -28", "day: -21").replace(
        '{id: "01", name: First site', '{id: "01", name: First site renamed'))
    changed = load_catalog(forms)
    with pytest.raises(VersionConflict, match=r"raise study\.version"), engine.begin() as conn:
        register_catalog(conn, changed, NOW)
    with engine.connect() as conn:  # the refused registration left nothing behind
        assert conn.execute(select(Site.name)).scalar_one() == "First site"

    study_file.write_text(study_file.read_text().replace('version: "1.0.0"', 'version: "1.1.0"'))
    bumped = load_catalog(forms)
    with engine.begin() as conn:
        [registered] = register_catalog(conn, bumped, NOW)
        versions = conn.execute(select(DefinitionVersion.version).order_by(DefinitionVersion.id)).scalars().all()
        assert conn.execute(select(func.count()).select_from(Site.__table__)).scalar_one() == 1
    engine.dispose()
    assert registered.new and versions == ["1.0.0", "1.1.0"]


def test_upgrade_from_the_command_line_refuses_an_unversioned_change(tmp_path: Path, forms: Path) -> None:
    env = {**os.environ, "EDC_FORMS_DIR": str(forms), "EDC_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    # The project's migrations describe the four trials, not this small tree: register only.
    migrate.upgrade(env["EDC_DATABASE_URL"])
    engine = make_engine(env["EDC_DATABASE_URL"])
    with engine.begin() as conn:
        register_catalog(conn, load_catalog(forms), NOW)
    engine.dispose()
    study_file = forms / "mini" / "study.yaml"
    study_file.write_text(study_file.read_text().replace("day: -28", "day: -21"))
    result = subprocess.run([sys.executable, "-m", "edc", "db", "upgrade"], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 1
    assert "study 'mini' version 1.0.0 is registered with different content" in result.stderr
    assert "Traceback" not in result.stderr
