"""Checkpoints of the database's trail: signing its head into the anchor log, and checking the trail against them.

- `checkpoint` reads the trail up to the chain head (event ids and hashes, in
  id order, streamed: memory flat in the number of events), builds its Merkle
  head and appends the signed checkpoint to the anchor log, under the log's
  lock. It refuses (`CheckpointRefused`) to sign a trail that no longer
  extends the log's last checkpoint, or with a key the log has rotated away from.
- `rotate` appends a key rotation signed by the current key.
- `verify_anchors` checks the log's chain and signatures from a trusted public
  key, then walks the trail once and compares it with every trusted checkpoint:
  the event at the checkpoint's count must have its id and hash, and the Merkle
  head of the events so far must be its root.

How precisely a disagreement is placed: a rewrite, insertion or removal at
event e changes every checkpoint from e on and none before it, so the first
event that disagrees lies after the last checkpoint the trail agrees with and
at or before the first it disagrees with: `Disagreement.first..last`. With a
checkpoint per event that is the event itself; with the interval checkpoints
it is the events of one interval. (A signed head holds no more: the leaves
between two checkpoints are not in the log, so no search can narrow it.)
A truncated trail is named exactly: the first missing event.

Nothing here can see a change to events after the last checkpoint a verifier
holds: those are protected by the hash chain alone, that is, not against
whoever can rewrite the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Engine, Table, select

from edc.audit import anchors
from edc.audit.chain import GENESIS_HASH
from edc.audit.checkpoints import (
    Checkpoint,
    Entry,
    KeyRotation,
    TrailHead,
    fingerprint,
    sign_checkpoint,
    sign_rotation,
    signing_key_after,
    verify_log,
)
from edc.audit.merkle import TreeHead, leaf_hash
from edc.db.trail import AUDIT_HEAD_ID as HEAD_ID
from edc.db.trail import AuditChainHead, AuditEvent

_HEAD: Table = AuditChainHead.__table__  # type: ignore[assignment]
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]


class CheckpointRefused(RuntimeError):
    """The head was not signed: the trail contradicts the last checkpoint, or the key is not the log's."""


@dataclass(frozen=True)
class Disagreement:
    """The first trusted checkpoint the trail disagrees with, and where the first differing event lies."""

    checkpoint: Checkpoint
    first: int  # the earliest event (in chain order) that may be the first to differ
    last: int  # the latest: the first differing event is in first..last
    reason: str
    disagreeing: int  # how many trusted checkpoints the trail disagrees with


@dataclass(frozen=True)
class AnchorVerdict:
    """The outcome of `verify_anchors`."""

    entries: int
    rotations: int
    trusted: int
    agreeing: int
    problems: tuple[str, ...]
    disagreement: Disagreement | None
    last_covered: int  # events 1..last_covered are under a trusted checkpoint
    events: int

    @property
    def ok(self) -> bool:
        return not self.problems and self.disagreement is None


def checkpoint(engine: Engine, key: Ed25519PrivateKey, log: Path, *, only_if_moved: bool = False,
               clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Checkpoint | None:
    """Sign the trail's head now and append it to the anchor log at `log`; return it.

    With `only_if_moved` (the interval checkpoints), nothing is appended, and
    None returned, when the log's last entry is a checkpoint of the same head.
    """
    def build(last: Entry | None) -> Checkpoint | None:
        _check_key(last, key)
        previous = last if isinstance(last, Checkpoint) else None
        with engine.connect() as conn:
            if only_if_moved and previous is not None and _head_row(conn) == (previous.event_id,
                                                                              previous.event_hash):
                return None  # checked on the head row alone, before reading the trail
            head = trail_head(conn, extends=previous)
        return sign_checkpoint(key, head, signed_at=clock(), previous=last)

    entry = anchors.append(log, build)
    assert entry is None or isinstance(entry, Checkpoint)
    return entry


def rotate(key: Ed25519PrivateKey, new_key: Ed25519PublicKey, log: Path, *,
           clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> KeyRotation:
    """Append the statement, signed by the current `key`, that `new_key` signs the entries after it."""
    def build(last: Entry | None) -> KeyRotation:
        _check_key(last, key)
        if fingerprint(new_key) == fingerprint(key.public_key()):
            raise CheckpointRefused("the new key is the current key")
        return sign_rotation(key, new_key, signed_at=clock(), previous=last)

    entry = anchors.append(log, build)
    assert isinstance(entry, KeyRotation)
    return entry


def trail_head(conn: Connection, *, extends: Checkpoint | None = None) -> TrailHead:
    """The head of the trail up to the chain head's event, refusing one that does not extend `extends`."""
    head_id, head_hash = _head_row(conn)
    tree, last = TreeHead(), (0, GENESIS_HASH)
    for event_id, event_hash in _events(conn, upto=head_id):
        tree.append(_leaf(event_hash))
        last = (event_id, event_hash)
        if extends is not None and tree.size == extends.event_count:
            _check_extends(extends, last, tree)
    if extends is not None and tree.size < extends.event_count:
        raise CheckpointRefused(f"the trail has {tree.size} events, fewer than the {extends.event_count} of "
                                f"checkpoint {extends.seq}: run 'edc audit verify --anchors'")
    if last != (head_id, head_hash):
        raise CheckpointRefused(f"the trail's last event is not the one the chain head names (event {head_id}): "
                                f"run 'edc audit verify'")
    return TrailHead(head_id, head_hash, tree.size, tree.root().hex())


def verify_anchors(conn: Connection, entries: Sequence[Entry], trusted_key: Ed25519PublicKey) -> AnchorVerdict:
    """Check the anchor log's entries from `trusted_key`, and the trail on `conn` against every trusted checkpoint."""
    log = verify_log(entries, trusted_key)
    pending = sorted(log.trusted, key=lambda c: c.event_count)
    tree, last, agreed_upto = TreeHead(), (0, GENESIS_HASH), 0
    agreeing, first_wrong, wrong = 0, None, 0
    stream = _events(conn)
    while True:
        while pending and pending[0].event_count == tree.size:
            problem = _disagreement(pending.pop(0), last, tree)
            if problem is None:
                agreeing += 1
                if first_wrong is None:
                    agreed_upto = tree.size
            else:
                wrong += 1
                first_wrong = first_wrong or problem
        step = next(stream, None)
        if step is None:
            break
        tree.append(_leaf(step[1]))
        last = step
    for missing in pending:  # the trail ends before these checkpoints' counts
        wrong += 1
        first_wrong = first_wrong or (missing, f"the trail has {tree.size} events, the checkpoint signed "
                                               f"{missing.event_count}: events {tree.size + 1}-"
                                               f"{missing.event_count} are missing")
    covered = max((c.event_count for c in log.trusted), default=0)
    return AnchorVerdict(len(entries), log.rotations, len(log.trusted), agreeing, log.problems,
                         _placed(first_wrong, agreed_upto, tree.size, wrong), covered, tree.size)


def leaf_hashes(conn: Connection, size: int) -> tuple[list[int], list[bytes]]:
    """The ids and Merkle leaf hashes of the first `size` events of the trail, in chain order."""
    ids: list[int] = []
    leaves: list[bytes] = []
    for event_id, event_hash in _events(conn, limit=size):
        ids.append(event_id)
        leaves.append(_leaf(event_hash))
    return ids, leaves


def _placed(found: tuple[Checkpoint, str] | None, agreed_upto: int, events: int,
            wrong: int) -> Disagreement | None:
    if found is None:
        return None
    checkpoint_, reason = found
    last = checkpoint_.event_count
    if events < last:  # truncated: the first missing event, unless an earlier one differs too
        last = max(agreed_upto + 1, min(last, events + 1))
    return Disagreement(checkpoint_, agreed_upto + 1, last, reason, wrong)


def _disagreement(signed: Checkpoint, last: tuple[int, str], tree: TreeHead) -> tuple[Checkpoint, str] | None:
    event_id, event_hash = last
    if event_id != signed.event_id:
        return signed, f"event {tree.size} in chain order has id {event_id}, the checkpoint signed {signed.event_id}"
    if event_hash != signed.event_hash:
        return signed, f"event {event_id}'s hash differs from the one the checkpoint signed"
    if tree.root().hex() != signed.merkle_root:
        return signed, f"the Merkle root of events 1-{tree.size} differs from the one the checkpoint signed"
    return None


def _check_extends(previous: Checkpoint, last: tuple[int, str], tree: TreeHead) -> None:
    if _disagreement(previous, last, tree) is not None:
        raise CheckpointRefused(f"the trail no longer agrees with checkpoint {previous.seq} "
                                f"(event {previous.event_id}): run 'edc audit verify --anchors'")


def _check_key(last: Entry | None, key: Ed25519PrivateKey) -> None:
    expected = signing_key_after(last)
    if expected is not None and expected != fingerprint(key.public_key()):
        raise CheckpointRefused(f"the anchor log's entries are now signed by key {expected[:16]}, "
                                f"not by this key ({fingerprint(key.public_key())[:16]})")


def _head_row(conn: Connection) -> tuple[int, str]:
    row = conn.execute(select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == HEAD_ID)).one_or_none()
    if row is None:
        raise CheckpointRefused("the chain head (audit_chain_head) is missing: run 'edc db upgrade'")
    return int(row.last_id), str(row.last_hash)


def _events(conn: Connection, *, upto: int | None = None, limit: int | None = None) -> Iterator[tuple[int, str]]:
    query = select(_EVENTS.c.id, _EVENTS.c.hash).order_by(_EVENTS.c.id)
    if upto is not None:
        query = query.where(_EVENTS.c.id <= upto)
    if limit is not None:
        query = query.limit(limit)
    for row in conn.execute(query.execution_options(yield_per=5000)):
        yield int(row.id), str(row.hash)


def _leaf(event_hash: str) -> bytes:
    """The Merkle leaf of an event: its hash's 32 bytes (the text itself if a tampered row holds no hex hash)."""
    try:
        raw = bytes.fromhex(event_hash)
    except ValueError:
        raw = b""
    return leaf_hash(raw if len(raw) == 32 else event_hash.encode())
