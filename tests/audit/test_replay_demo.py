"""The demo database (every trial, written through the services) replays clean: SQLite, the session's shared one.

The shared demo database also holds the core rows of the storage tests (`core_rows`): a subject inserted
directly, with no audit event. The replay must name it, and nothing else.
"""

from __future__ import annotations

import sys
from pathlib import Path

from edc.audit.replay import replay
from edc.definitions.catalog import Catalog

sys.path.insert(0, str(Path(__file__).parents[1] / "demo"))  # the demo tests' shared database, built once
from demo_env import shared_sqlite_demo


def test_the_demo_database_replays_clean(catalog: Catalog) -> None:
    env, summary = shared_sqlite_demo(catalog)
    assert summary.populated
    with env.engine.connect() as conn:
        result = replay(conn, catalog)
    found = [(d.table, d.row, d.item, d.problem) for d in result.discrepancies]
    assert len(found) == 1 and found[0][0] == "subjects" and found[0][1].endswith("(01-001)"), found
    assert found[0][3] == "no creating event (subject.screen) in the trail"
    assert result.rows > 2_000 and result.events > 30_000
