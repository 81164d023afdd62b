"""`edc audit keygen / checkpoint / rotate-key / verify --anchors` through click's CliRunner (in process, real
databases and files), and checkpoints from several real processes at once."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import NOW, events_from, rechain
from backends import BACKENDS
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from edc.audit import append
from edc.audit.anchors import read_entries, read_public_key, write_key_pair
from edc.audit.checkpoints import verify_log
from edc.cli import main


def edc(*args: str, url: str, log: Path, key: Path | None = None) -> Result:
    env = {"EDC_DATABASE_URL": url, "EDC_AUDIT_ANCHOR_LOG": str(log), "EDC_AUDIT_SIGNING_KEY": str(key or "")}
    return CliRunner().invoke(main, list(args), env=env)


def add_events(engine: Engine, core: dict[str, Any], n: int) -> None:
    for number in range(n):
        with engine.begin() as conn:
            append(conn, action="record.correct", occurred_at=NOW, user_id=core["user_id"], role="investigator",
                   site_id=core["site_id"], item="pulse", old_value=number, new_value=number + 1, reason="typo")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    made = edc("audit", "keygen", "--out", str(directory), url="sqlite:///unused", log=directory / "unused")
    assert made.exit_code == 0, made.stderr
    assert "fingerprint: " in made.stdout
    return directory


def test_keygen_makes_a_private_key_only_its_owner_reads_and_never_overwrites(keys: Path) -> None:
    private, public = keys / "audit-signing-key.pem", keys / "audit-signing-key.pub.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"PUBLIC KEY" in public.read_bytes() and b"PRIVATE KEY" in private.read_bytes()
    before = private.read_bytes()
    again = edc("audit", "keygen", "--out", str(keys), url="sqlite:///unused", log=keys / "unused")
    assert again.exit_code == 1 and "refusing to overwrite" in again.stderr
    assert isinstance(again.exception, SystemExit)
    assert private.read_bytes() == before


def test_verify_with_anchors_names_a_rewritten_event(audit_url: str, engine: Engine, core: dict[str, Any],
                                                     keys: Path, tmp_path: Path) -> None:
    log, key, public = tmp_path / "anchors.jsonl", keys / "audit-signing-key.pem", keys / "audit-signing-key.pub.pem"
    for _ in range(3):
        add_events(engine, core, 2)
        signed = edc("audit", "checkpoint", url=audit_url, log=log, key=key)
        assert signed.exit_code == 0, signed.stderr
    add_events(engine, core, 1)
    clean = edc("audit", "verify", "--anchors", str(log), "--public-key", str(public), url=audit_url, log=log)
    assert clean.exit_code == 0, clean.stderr
    assert clean.stdout.splitlines() == [
        "audit trail intact: 7 events",
        "anchors intact: 3 checkpoints, 0 key rotations, the trail agrees with every checkpoint",
        "1 events after the last checkpoint (event 6) are covered by the hash chain only"]

    with engine.begin() as conn:
        events = events_from(conn, 3)
        events[0]["new_value"] = "180"
        rechain(conn, events, from_id=3)
    plain = edc("audit", "verify", url=audit_url, log=log)
    assert plain.exit_code == 0  # the chain alone is fooled
    broken = edc("audit", "verify", "--anchors", str(log), "--public-key", str(public), url=audit_url, log=log)
    assert broken.exit_code == 1 and "Traceback" not in broken.stderr
    assert "the trail disagrees with checkpoint 2 (signed " in broken.stderr, broken.stderr
    assert "the first event that differs is one of events 3-4 (the trail agrees with the checkpoints up to " \
           "event 2); 2 of 3 trusted checkpoints disagree" in broken.stderr, broken.stderr


@pytest.mark.parametrize("db_url", BACKENDS[:1], indirect=True)
def test_rotation_and_a_bad_signature_on_the_command_line(audit_url: str, engine: Engine, core: dict[str, Any],
                                                          keys: Path, tmp_path: Path) -> None:
    log, key, public = tmp_path / "anchors.jsonl", keys / "audit-signing-key.pem", keys / "audit-signing-key.pub.pem"
    new = tmp_path / "new"
    write_key_pair(new)
    add_events(engine, core, 2)
    assert edc("audit", "checkpoint", url=audit_url, log=log, key=key).exit_code == 0
    rotated = edc("audit", "rotate-key", "--new-key", str(new / "audit-signing-key.pub.pem"), url=audit_url,
                  log=log, key=key)
    assert rotated.exit_code == 0 and '"kind":"rotation"' in rotated.stdout, rotated.stderr
    refused = edc("audit", "checkpoint", url=audit_url, log=log, key=key)
    assert refused.exit_code == 1 and refused.stderr.startswith("error: the anchor log's entries are now signed")
    assert edc("audit", "checkpoint", url=audit_url, log=log, key=new / "audit-signing-key.pem").exit_code == 0
    args = ("audit", "verify", "--anchors", str(log), "--public-key", str(public))
    assert edc(*args, url=audit_url, log=log).exit_code == 0

    lines = log.read_text().splitlines()
    log.write_text("\n".join([*lines[:-1], lines[-1].replace('"event_count":2', '"event_count":1')]) + "\n")
    forged = edc(*args, url=audit_url, log=log)
    assert forged.exit_code == 1
    assert "anchor entry 3: the signature of this checkpoint does not verify (altered or forged)" in forged.stderr
    alone = edc("audit", "verify", "--anchors", str(log), url=audit_url, log=log)
    assert alone.exit_code == 2 and "--anchors and --public-key go together" in alone.stderr
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("not json\n")
    bad = edc("audit", "verify", "--anchors", str(garbage), "--public-key", str(public), url=audit_url, log=log)
    assert bad.exit_code == 1 and "line 1: not JSON" in bad.stderr and isinstance(bad.exception, SystemExit)


@pytest.mark.parametrize("db_url", BACKENDS[:1], indirect=True)
def test_checkpoints_from_several_processes_at_once_form_one_chain(audit_url: str, engine: Engine,
                                                                   core: dict[str, Any], keys: Path,
                                                                   tmp_path: Path) -> None:
    log, key = tmp_path / "anchors.jsonl", keys / "audit-signing-key.pem"
    add_events(engine, core, 3)
    env = {**os.environ, "EDC_DATABASE_URL": audit_url, "EDC_AUDIT_ANCHOR_LOG": str(log),
           "EDC_AUDIT_SIGNING_KEY": str(key)}
    script = "from edc.cli import main; import sys\nfor _ in range(5):\n    main(['audit', 'checkpoint'], " \
             "standalone_mode=False)\n"
    processes = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for process in processes:
        assert process.wait(timeout=300) == 0, process.stderr.read() if process.stderr else ""
    entries = read_entries(log)
    assert [entry.seq for entry in entries] == list(range(1, 21))
    check = verify_log(entries, read_public_key(keys / "audit-signing-key.pub.pem"))
    assert check.problems == () and len(check.trusted) == 20
