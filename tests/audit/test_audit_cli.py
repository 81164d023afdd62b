"""`edc audit verify`, run as a real process: exit 0 on an intact trail, 1 naming the first broken event."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from audit_helpers import NOW, tamper
from sqlalchemy import Engine

from edc.audit import append

EDC = [sys.executable, "-m", "edc"]


def run(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EDC, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "EDC_DATABASE_URL": url})


def test_audit_verify_on_a_good_then_a_tampered_trail(audit_url: str, engine: Engine, core: dict[str, Any]) -> None:
    for n in range(3):
        with engine.begin() as conn:
            append(conn, action="record.correct", occurred_at=NOW, user_id=core["user_id"], role="investigator",
                   site_id=core["site_id"], item="sysbp", old_value=120 + n, new_value=121 + n, reason="typo")
    good = run("audit", "verify", url=audit_url)
    assert (good.returncode, good.stdout.strip()) == (0, "audit trail intact: 3 events"), good.stderr

    with engine.begin() as conn:
        tamper(conn, "UPDATE audit_events SET new_value = '200' WHERE id = 2")
    broken = run("audit", "verify", url=audit_url)
    assert broken.returncode == 1
    assert broken.stderr.startswith("audit trail broken at event 2: "), broken.stderr
    assert "Traceback" not in broken.stderr


def test_audit_verify_on_an_unmigrated_database(tmp_path: Path) -> None:
    result = run("audit", "verify", "--url", f"sqlite:///{tmp_path / 'empty.sqlite'}", url="sqlite:///unused")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "audit_chain_head" in result.stderr
    assert "Traceback" not in result.stderr
