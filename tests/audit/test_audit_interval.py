"""Interval checkpoints: the running application signs the moved head, several applications take turns."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import NOW
from backends import BACKENDS
from litestar.testing import TestClient
from sqlalchemy import Engine

from edc.api.app import create_app
from edc.audit import append
from edc.audit.anchors import last_entry, read_entries, read_public_key, write_key_pair
from edc.audit.checkpoints import Checkpoint, verify_log
from edc.definitions.catalog import Catalog


def wait_for_count(log: Path, count: int, timeout: float = 30) -> Checkpoint:
    deadline = time.monotonic() + timeout
    while True:
        last = last_entry(log)
        if isinstance(last, Checkpoint) and last.event_count == count:
            return last
        assert time.monotonic() < deadline, last
        time.sleep(0.1)


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_two_running_applications_sign_the_moved_head_once(engine: Engine, core: dict[str, Any], catalog: Catalog,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    private, public, _ = write_key_pair(tmp_path / "keys")
    log = tmp_path / "anchors.jsonl"
    monkeypatch.setenv("EDC_AUDIT_SIGNING_KEY", str(private))
    monkeypatch.setenv("EDC_AUDIT_ANCHOR_LOG", str(log))
    monkeypatch.setenv("EDC_AUDIT_CHECKPOINT_SECONDS", "1")
    with TestClient(create_app(engine, catalog)), TestClient(create_app(engine, catalog)):
        wait_for_count(log, 0)  # the empty trail, signed at start
        for n in range(3):
            with engine.begin() as conn:
                append(conn, action="study.note", occurred_at=NOW, study_id=core["study_id"], item=str(n))
        wait_for_count(log, 3)
        time.sleep(2.5)  # two more intervals of both: the head did not move, nothing is appended
        entries = read_entries(log)
        with engine.begin() as conn:
            append(conn, action="study.note", occurred_at=NOW, study_id=core["study_id"], item="last")
    wait_for_count(log, 4, timeout=0)  # signed at shutdown, without waiting for the interval
    heads = [(e.event_id, e.event_hash) for e in entries if isinstance(e, Checkpoint)]
    assert len(heads) == len(set(heads)) and heads[0][0] == 0 and heads[-1][0] == 3, heads
    check = verify_log(read_entries(log), read_public_key(public))
    assert check.problems == () and len(check.trusted) == len(read_entries(log))


@pytest.mark.parametrize("db_url", BACKENDS[:1], indirect=True)
def test_without_a_key_there_are_no_checkpoints(engine: Engine, catalog: Catalog, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("EDC_AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.setenv("EDC_AUDIT_ANCHOR_LOG", str(tmp_path / "anchors.jsonl"))
    with TestClient(create_app(engine, catalog)):
        time.sleep(0.5)
    assert not (tmp_path / "anchors.jsonl").exists()
    assert capfd.readouterr().err.count("audit checkpoints are off: no signing key (EDC_AUDIT_SIGNING_KEY)") == 1
