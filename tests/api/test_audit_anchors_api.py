"""The anchor log and Merkle proofs over HTTP: a monitor keeps a copy of the checkpoints and checks proofs
against them; an event of another site is answered exactly like a missing one."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from api_env import STUDY, Api, screen
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edc.audit import merkle
from edc.audit.anchoring import checkpoint
from edc.audit.anchors import read_entries
from edc.audit.checkpoints import Checkpoint, Entry, verify_log

KEY = Ed25519PrivateKey.generate()
AUDIT = f"/api/v1/studies/{STUDY}/audit"


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "anchors.jsonl"
    monkeypatch.setenv("EDC_AUDIT_ANCHOR_LOG", str(path))
    return path


def event_of(api: Api, site: str) -> int:
    page = api.call("monitor", "GET", AUDIT, params={"site": site, "limit": 1})
    assert page.status_code == 200 and page.json()["items"], page.text
    return int(page.json()["items"][0]["id"])


def test_a_monitor_copies_the_checkpoints_and_checks_proofs(api: Api, log: Path) -> None:
    screen(api, "inv01", "01")
    first = checkpoint(api.engine, KEY, log)
    screen(api, "inv02", "02")
    second = checkpoint(api.engine, KEY, log)
    assert isinstance(first, Checkpoint) and isinstance(second, Checkpoint)

    page = api.call("monitor", "GET", f"{AUDIT}/checkpoints", params={"limit": 1})
    assert page.status_code == 200 and page.json()["next"].endswith("after=1"), page.text
    rest = api.call("monitor", "GET", page.json()["next"])
    copy = [msgspec.convert(item, type=Entry) for item in page.json()["items"] + rest.json()["items"]]
    assert copy == read_entries(log) and rest.json()["next"] is None
    assert verify_log(copy, KEY.public_key()).problems == ()

    own = event_of(api, "01")
    proof = api.call("inv01", "GET", f"{AUDIT}/events/{own}/proof", params={"tree_size": first.event_count})
    assert proof.status_code == 200, proof.text
    body = proof.json()
    assert body["root"] == first.merkle_root
    assert merkle.verify_inclusion(body["leaf_index"], first.event_count, bytes.fromhex(body["leaf_hash"]),
                                   [bytes.fromhex(node) for node in body["path"]], bytes.fromhex(first.merkle_root))

    span = api.call("monitor", "GET", f"{AUDIT}/consistency",
                    params={"first": first.event_count, "second": second.event_count})
    assert span.status_code == 200, span.text
    assert merkle.verify_consistency(first.event_count, second.event_count,
                                     [bytes.fromhex(node) for node in span.json()["path"]],
                                     bytes.fromhex(first.merkle_root), bytes.fromhex(second.merkle_root))


def test_another_sites_event_is_answered_like_a_missing_one(api: Api, log: Path) -> None:
    screen(api, "inv01", "01")
    screen(api, "inv02", "02")
    signed = checkpoint(api.engine, KEY, log)
    assert signed is not None
    other, size = event_of(api, "02"), {"tree_size": signed.event_count}
    theirs = api.call("inv01", "GET", f"{AUDIT}/events/{other}/proof", params=size)
    missing = api.call("inv01", "GET", f"{AUDIT}/events/999999/proof", params=size)
    assert (theirs.status_code, theirs.json()["type"]) == (missing.status_code, missing.json()["type"])
    assert theirs.status_code == 404
    assert theirs.json()["detail"].replace(str(other), "N") == missing.json()["detail"].replace("999999", "N")
    assert api.call("monitor", "GET", f"{AUDIT}/events/{other}/proof", params=size).status_code == 200
    too_big = api.call("monitor", "GET", f"{AUDIT}/events/{other}/proof", params={"tree_size": 10**6})
    assert too_big.status_code == 422 and "fewer than the tree size" in too_big.json()["detail"]
    early = api.call("monitor", "GET", f"{AUDIT}/events/{other}/proof", params={"tree_size": 1})
    assert early.status_code == 422
    backwards = api.call("monitor", "GET", f"{AUDIT}/consistency", params={"first": 2, "second": 1})
    assert backwards.status_code == 422
    assert api.call("safety", "GET", f"{AUDIT}/checkpoints").status_code == 403


def test_a_damaged_anchor_log_is_a_problem_naming_its_line_not_a_crash(api: Api, log: Path) -> None:
    screen(api, "inv01", "01")
    checkpoint(api.engine, KEY, log)
    with log.open("a") as damaged:
        damaged.write('{"not": "an entry"\n')
    answer = api.call("monitor", "GET", f"{AUDIT}/checkpoints")
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "line 2" in answer.json()["detail"]
