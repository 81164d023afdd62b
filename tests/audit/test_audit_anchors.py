"""Signed checkpoints in an anchor log outside the database, and the trail checked against them.

Each tampering below is one an owner of the database can make (triggers dropped, every later hash and the
chain head recomputed), so the hash chain alone still verifies; the checkpoints find each one and name the
event. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import NOW, events_from, rechain, tamper
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from edc.audit import append, verify
from edc.audit.anchoring import AnchorVerdict, CheckpointRefused, checkpoint, rotate, verify_anchors
from edc.audit.anchors import read_entries
from edc.audit.checkpoints import Checkpoint, KeyRotation

KEY, NEW_KEY = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "anchors" / "audit-anchors.jsonl"


@pytest.fixture
def record(engine: Engine, core: dict[str, Any], log: Path) -> Callable[..., None]:
    """Append `n` events, signing a checkpoint after every `every`-th."""
    def append_events(n: int, every: int = 1) -> None:
        for number in range(n):
            with engine.begin() as conn:
                append(conn, action="record.correct", occurred_at=NOW, user_id=core["user_id"], role="investigator",
                       site_id=core["site_id"], study_id=core["study_id"], item="sysbp", old_value=number,
                       new_value=number + 1, reason="typo")
            if (number + 1) % every == 0:
                checkpoint(engine, KEY, log)
    return append_events


def check(engine: Engine, log: Path, key: Ed25519PrivateKey = KEY) -> AnchorVerdict:
    with engine.connect() as conn:
        assert verify(conn).ok, "the hash chain alone should not see these"
        return verify_anchors(conn, read_entries(log), key.public_key())


def test_an_untampered_trail_agrees_with_every_checkpoint(engine: Engine, record: Any, log: Path) -> None:
    checkpoint(engine, KEY, log)  # the empty trail
    record(6, every=3)
    verdict = check(engine, log)
    assert verdict.ok and (verdict.entries, verdict.trusted, verdict.agreeing) == (3, 3, 3), verdict
    entries = read_entries(log)
    assert [(e.seq, e.event_count) for e in entries if isinstance(e, Checkpoint)] == [(1, 0), (2, 3), (3, 6)]
    assert checkpoint(engine, KEY, log, only_if_moved=True) is None  # the head did not move
    assert len(read_entries(log)) == 3


def test_a_consistent_rewrite_before_a_checkpoint_is_named(engine: Engine, record: Any, log: Path) -> None:
    record(12)
    with engine.begin() as conn:
        events = events_from(conn, 5)
        events[0]["new_value"] = "200"
        rechain(conn, events, from_id=5)
    found = check(engine, log).disagreement
    assert found is not None and (found.first, found.last, found.checkpoint.event_count) == (5, 5, 5), found
    assert "hash differs" in found.reason and found.disagreeing == 8


def test_with_sparse_checkpoints_the_range_between_two_is_named(engine: Engine, record: Any, log: Path) -> None:
    record(12, every=4)
    with engine.begin() as conn:
        events = events_from(conn, 6)
        events[0]["reason"] = "rewritten"
        rechain(conn, events, from_id=6)
    found = check(engine, log).disagreement
    assert found is not None and (found.first, found.last) == (5, 8) and found.disagreeing == 2


def test_a_truncation_below_a_checkpoint_names_the_first_missing_event(engine: Engine, record: Any,
                                                                       log: Path) -> None:
    record(60, every=10)
    with engine.begin() as conn:
        rechain(conn, [], from_id=11)  # drop the last 50 events, move the head
    found = check(engine, log).disagreement
    assert found is not None and (found.first, found.last) == (11, 11), found
    assert "the trail has 10 events" in found.reason and found.disagreeing == 5


def test_a_forged_event_inserted_before_a_checkpoint_is_named(engine: Engine, record: Any, log: Path) -> None:
    record(8)
    with engine.begin() as conn:
        events = events_from(conn, 4)
        rechain(conn, [{**events[0], "new_value": "999", "reason": "forged"}, *events], from_id=4)
    found = check(engine, log).disagreement
    assert found is not None and (found.first, found.last) == (4, 4), found


def test_a_checkpoint_whose_signature_fails_is_reported(engine: Engine, record: Any, log: Path) -> None:
    record(3)
    lines = log.read_text().splitlines()
    altered = json.loads(lines[1])
    altered["event_count"] = 1  # a forger moves a checkpoint, without the key
    log.write_text("\n".join([lines[0], json.dumps(altered), lines[2]]) + "\n")
    verdict = check(engine, log)
    assert not verdict.ok and verdict.trusted == 2 and verdict.disagreement is None
    assert verdict.problems == (  # and the next entry's link to it breaks
        "anchor entry 2: the signature of this checkpoint does not verify (altered or forged)",
        "anchor entry 3 does not follow entry 2 (an entry before it was removed, reordered or altered)")
    other = check(engine, log, key=NEW_KEY)  # a key the log never had
    assert other.trusted == 0 and len(other.problems) == 4 and "not by the current key" in other.problems[0]


def test_removing_an_entry_from_a_copy_of_the_log_is_reported(engine: Engine, record: Any, log: Path) -> None:
    record(3)
    lines = log.read_text().splitlines()
    log.write_text(lines[0] + "\n" + lines[2] + "\n")
    verdict = check(engine, log)
    assert verdict.problems == ("anchor entry 3 does not follow entry 1 (an entry before it was removed, "
                                "reordered or altered)",) and verdict.trusted == 2


def test_a_key_rotation_hands_over_to_the_new_key(engine: Engine, record: Any, log: Path) -> None:
    record(2)
    rotation = rotate(KEY, NEW_KEY.public_key(), log)
    assert isinstance(rotation, KeyRotation) and rotation.seq == 3
    with pytest.raises(CheckpointRefused, match="now signed by key"):
        checkpoint(engine, KEY, log)  # the old key no longer signs
    with engine.begin() as conn:
        append(conn, action="study.note", occurred_at=NOW)
    assert checkpoint(engine, NEW_KEY, log) is not None
    verdict = check(engine, log)
    assert verdict.ok and (verdict.rotations, verdict.trusted, verdict.agreeing) == (1, 3, 3), verdict
    from_new = check(engine, log, key=NEW_KEY)  # trusting only the new key: the first entries are not its
    assert from_new.trusted == 1 and len(from_new.problems) == 3


def test_no_checkpoint_is_signed_over_a_trail_that_contradicts_the_last(engine: Engine, record: Any,
                                                                        log: Path) -> None:
    record(4)
    with engine.begin() as conn:
        tamper(conn, "UPDATE audit_events SET reason = 'x' WHERE id = 2")
    with engine.begin() as conn:
        rechain(conn, events_from(conn, 2), from_id=2)
    with pytest.raises(CheckpointRefused, match="no longer agrees with checkpoint 4"):
        checkpoint(engine, KEY, log)
    assert len(read_entries(log)) == 4
