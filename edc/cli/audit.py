"""`edc audit`: verify the trail's hash chain (and, given anchors, its signed checkpoints), keys and checkpoints.

`verify` runs a list of checks over one database connection, each giving a
verdict and its lines; `--anchors/--public-key` adds the checkpoint check
beside the chain's, and further checks (a replay of the events) join the same
list. Every check runs, every finding is printed, the exit status is 1 when
any check fails.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from edc import config
from edc.cli.common import run, url_option

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from edc.audit.anchoring import AnchorVerdict

UNDETECTABLE = ("A verifier cannot detect changes to events after the last checkpoint it holds: those are "
                "protected by the hash chain only, which whoever can write the database can recompute.")


@dataclass
class Finding:
    """A check's verdict: lines for standard output when it holds, for standard error when it does not."""

    ok: bool
    lines: list[str] = field(default_factory=list)


Check = Callable[["Connection"], Finding]


@click.group()
def audit() -> None:
    """The audit trail: append-only, hash-chained events, signed checkpoints in an anchor log outside the database."""


@audit.command("verify", epilog=UNDETECTABLE)
@url_option
@click.option("--anchors", type=click.Path(dir_okay=False, path_type=Path),
              help="An anchor log (a copy of the checkpoints) to check the trail against; needs --public-key.")
@click.option("--public-key", type=click.Path(dir_okay=False, path_type=Path),
              help="The public key (PEM) the anchor log started with; rotations are followed from it.")
@click.option("--replay", is_flag=True, help="Also rebuild the data from the trail and compare it with the tables.")
def audit_verify(url: str | None, anchors: Path | None, public_key: Path | None, replay: bool) -> None:
    """Recompute the audit trail's hash chain; exit 1 naming the first broken event.

    With --anchors and --public-key, also check every checkpoint's signature
    and that the trail agrees with each (the event at its count has its id and
    hash, the Merkle root of the events so far is its root): a rewrite,
    insertion or truncation before a checkpoint is named by the events between
    the last checkpoint the trail agrees with and the first it does not.

    With --replay, also rebuild every record, subject, visit and decision from
    the events alone and name every value, row or event on which the tables
    and the trail disagree. All checks read one snapshot of the database.
    """
    checks: list[Check] = [_chain_check]
    if (anchors is None) != (public_key is None):
        raise click.UsageError("--anchors and --public-key go together")
    if anchors is not None and public_key is not None:
        checks.append(_anchor_check(anchors, public_key))
    if replay:
        checks.append(_replay_check)
    _run_checks(url, checks)


@audit.command("keygen")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for audit-signing-key.pem (mode 0600) and audit-signing-key.pub.pem.")
def audit_keygen(out: Path) -> None:
    """Create an Ed25519 key pair for signing checkpoints; refuse to overwrite an existing key."""
    from edc.audit.anchors import write_key_pair

    def create() -> None:
        private, public, fingerprint = write_key_pair(out)
        click.echo(f"private key: {private} (set EDC_AUDIT_SIGNING_KEY to it; keep it secret)")
        click.echo(f"public key: {public} (give it to whoever verifies)")
        click.echo(f"fingerprint: {fingerprint}")

    _guarded(create)


@audit.command("checkpoint")
@url_option
@click.option("--key", type=click.Path(dir_okay=False, path_type=Path),
              help="The signing key (default EDC_AUDIT_SIGNING_KEY).")
@click.option("--anchors", type=click.Path(dir_okay=False, path_type=Path),
              help="The anchor log (default EDC_AUDIT_ANCHOR_LOG).")
def audit_checkpoint(url: str | None, key: Path | None, anchors: Path | None) -> None:
    """Sign the trail's head now, append the checkpoint to the anchor log and print it."""
    from edc.audit.anchoring import checkpoint
    from edc.audit.anchors import read_private_key
    from edc.audit.checkpoints import entry_line
    from edc.db.engine import make_engine

    def sign() -> None:
        private = read_private_key(_signing_key(key))
        engine = make_engine(url or config.database_url())
        try:
            signed = checkpoint(engine, private, anchors or config.audit_anchor_log())
        finally:
            engine.dispose()
        assert signed is not None
        click.echo(entry_line(signed))

    _guarded(sign)


@audit.command("rotate-key")
@click.option("--new-key", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The new key: its public key PEM (or its private key PEM).")
@click.option("--key", type=click.Path(dir_okay=False, path_type=Path),
              help="The current signing key (default EDC_AUDIT_SIGNING_KEY).")
@click.option("--anchors", type=click.Path(dir_okay=False, path_type=Path),
              help="The anchor log (default EDC_AUDIT_ANCHOR_LOG).")
def audit_rotate_key(new_key: Path, key: Path | None, anchors: Path | None) -> None:
    """Append a key rotation to the anchor log, signed by the current key; then sign with the new key."""
    from edc.audit.anchoring import rotate
    from edc.audit.anchors import read_private_key, read_public_key
    from edc.audit.checkpoints import entry_line

    def hand_over() -> None:
        current, successor = read_private_key(_signing_key(key)), read_public_key(new_key)
        statement = rotate(current, successor, anchors or config.audit_anchor_log())
        click.echo(entry_line(statement))
        click.echo("point EDC_AUDIT_SIGNING_KEY at the new private key: the old key no longer signs", err=True)

    _guarded(hand_over)


def _chain_check(conn: Connection) -> Finding:
    from edc.audit import verify

    result = verify(conn)
    if not result.ok:
        return Finding(False, [f"audit trail broken at event {result.first_broken_id}: {result.reason}"])
    return Finding(True, [f"audit trail intact: {result.checked} events"])


def _anchor_check(anchors: Path, public_key: Path) -> Check:
    """The check of the trail against the anchor log at `anchors`, trusting `public_key`."""
    from edc.audit.anchoring import verify_anchors
    from edc.audit.anchors import read_entries, read_public_key

    def check(conn: Connection) -> Finding:
        if not anchors.is_file():
            raise click.FileError(str(anchors), "no such anchor log")
        return _anchor_finding(verify_anchors(conn, read_entries(anchors), read_public_key(public_key)))

    return check


def _anchor_finding(verdict: AnchorVerdict) -> Finding:
    lines = list(verdict.problems)
    found = verdict.disagreement
    if found is not None:
        signed = found.checkpoint
        where = (f"event {found.first}" if found.first == found.last
                 else f"one of events {found.first}-{found.last} (the trail agrees with the checkpoints "
                      f"up to event {found.first - 1})")
        lines.append(f"the trail disagrees with checkpoint {signed.seq} (signed {signed.signed_at}, "
                     f"{signed.event_count} events): {found.reason}; the first event that differs is {where}; "
                     f"{found.disagreeing} of {verdict.trusted} trusted checkpoints disagree")
    if verdict.ok:
        lines.append(f"anchors intact: {verdict.trusted} checkpoints, {verdict.rotations} key rotations, "
                     f"the trail agrees with every checkpoint")
    uncovered = verdict.events - verdict.last_covered
    if uncovered > 0:
        lines.append(f"{uncovered} events after the last checkpoint (event {verdict.last_covered}) "
                     f"are covered by the hash chain only")
    return Finding(verdict.ok, lines)


def _replay_check(conn: Connection) -> Finding:
    """The tables compared with the values the trail's events alone rebuild (`edc.audit.replay`)."""
    from edc.audit.replay import replay
    from edc.definitions.loader import load_catalog

    result = replay(conn, load_catalog(config.forms_dir()))
    lines = [str(found) for found in result.discrepancies]
    if not result.ok:
        more = f" (and {result.unlisted} more)" if result.unlisted else ""
        lines.append(f"replay: {len(result.discrepancies) + result.unlisted} discrepancies{more}")
        return Finding(False, lines)
    return Finding(True, [f"replay: the tables are what the trail says ({result.rows} rows compared, "
                          f"{result.events} event reads)"])


def _chain_pending(engine: Engine) -> Finding:
    """Chain what committed transactions left pending (a server stopped between a commit and its sequencer's
    pass), so the check covers every committed event."""
    from edc.audit.sequencer import chain_pending

    if engine.dialect.name != "postgresql":
        return Finding(True, [])
    with engine.begin() as conn:
        batches = chain_pending(conn)
    return Finding(True, [f"chained {len(batches)} pending transaction(s) first"] if batches else [])


def _run_checks(url: str | None, checks: list[Check]) -> None:
    from edc.db.engine import make_engine

    findings: list[Finding] = []

    def check_all() -> None:
        engine = make_engine(url or config.database_url())
        try:
            findings.append(_chain_pending(engine))
            # one snapshot for every check: PostgreSQL's REPEATABLE READ (SQLite reads one already)
            snapshot = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
            with engine.connect().execution_options(**snapshot) as conn:
                findings.extend(check(conn) for check in checks)
        finally:
            engine.dispose()

    _guarded(check_all)
    for finding in findings:
        for line in finding.lines:
            click.echo(line, err=not finding.ok)
    if not all(finding.ok for finding in findings):
        sys.exit(1)


def _signing_key(given: Path | None) -> Path:
    key = given or config.audit_signing_key()
    if key is None:
        raise click.UsageError("no signing key: give --key or set EDC_AUDIT_SIGNING_KEY ('edc audit keygen')")
    return key


def _guarded(action: Callable[[], None]) -> None:
    """`run`, with a refused checkpoint, a malformed anchor log or key file reported as `error: ...`, exit 1."""
    from edc.audit.anchoring import CheckpointRefused
    from edc.audit.anchors import KeyFileError
    from edc.audit.checkpoints import AnchorFormatError

    def guarded() -> None:
        try:
            action()
        except (CheckpointRefused, AnchorFormatError, KeyFileError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    run(guarded)
