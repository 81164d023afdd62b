"""What a sponsor or monitor keeps of the trail beyond the database: the anchor log's entries, and Merkle proofs.

- `anchor_page` pages through the anchor log (signed checkpoints and key
  rotations, in log order) so a monitor can keep their own copy and later run
  `edc audit verify --anchors` with it;
- `inclusion` proves that one event of the study, visible to the actor, is in
  the tree of the first `tree_size` events: verify it against the Merkle root
  of the signed checkpoint of that size (RFC 6962 audit path);
- `consistency` proves the tree of `first` events a prefix of the tree of
  `second`: two checkpoints of one unaltered trail.

The anchor log and the tree cover the whole trail (every study): its entries
and proofs name event counts and hashes, never another study's or site's
content. An event the actor may not see answers exactly like a missing one.
Proofs read every event hash up to the tree size (linear in it).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from sqlalchemy import Connection

from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import InvalidInput, NotFound, Unavailable
from edc.app.trail.store import visible_event
from edc.audit import merkle
from edc.audit.anchoring import leaf_hashes
from edc.audit.anchors import iter_entries
from edc.audit.checkpoints import AnchorFormatError, Entry


@dataclass(frozen=True)
class InclusionProof:
    event_id: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root: str
    path: tuple[str, ...]


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: str
    second_root: str
    path: tuple[str, ...]


def anchor_page(log: Path, *, after: int, limit: int) -> tuple[list[Entry], bool]:
    """Up to `limit` entries of the anchor log after its first `after`, and whether more follow."""
    try:
        entries = list(islice(iter_entries(log, after=after), limit + 1))
    except (AnchorFormatError, OSError) as exc:  # the log is the server's to keep whole: say so, never crash
        raise Unavailable(f"the anchor log cannot be read: {exc}") from None
    return entries[:limit], len(entries) > limit


def inclusion(conn: Connection, *, study_id: str, actor: Actor, event_id: int, tree_size: int) -> InclusionProof:
    """The audit path of event `event_id` in the tree of the first `tree_size` events."""
    if not visible_event(conn, study_id, actor, event_id):
        raise NotFound(f"no audit event {event_id} in study {study_id}")
    ids, leaves = _tree(conn, tree_size)
    try:
        index = ids.index(event_id)
    except ValueError:
        raise InvalidInput(f"event {event_id} is not among the first {tree_size} events: "
                           f"ask for a larger tree_size") from None
    path = merkle.inclusion_proof(index, leaves)
    return InclusionProof(event_id, index, tree_size, leaves[index].hex(), merkle.root(leaves).hex(),
                          tuple(node.hex() for node in path))


def consistency(conn: Connection, *, first: int, second: int) -> ConsistencyProof:
    """The proof that the tree of the first `first` events is a prefix of the tree of the first `second`."""
    if first > second:
        raise InvalidInput(f"first ({first}) must not exceed second ({second})")
    _, leaves = _tree(conn, second)
    path = merkle.consistency_proof(first, leaves)
    return ConsistencyProof(first, second, merkle.root(leaves[:first]).hex(), merkle.root(leaves).hex(),
                            tuple(node.hex() for node in path))


def _tree(conn: Connection, size: int) -> tuple[list[int], list[bytes]]:
    ids, leaves = leaf_hashes(conn, size)
    if len(leaves) < size:
        raise InvalidInput(f"the trail has {len(leaves)} events, fewer than the tree size {size}")
    return ids, leaves
