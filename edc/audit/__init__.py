"""The audit trail: append-only, hash-chained events written in the changing transaction.

- `append` (edc.audit.trail) writes one event inside the caller's transaction;
- `verify` (edc.audit.verify) recomputes the chain and names the first broken event;
- `value_text` (edc.audit.chain) is the canonical text of an item value;
- signed checkpoints outside the database: `merkle` (tree heads, proofs) and
  `checkpoints` (entries, signatures) are pure, `anchors` is the anchor log and
  key files, `anchoring` signs the database's head and checks the trail against
  the checkpoints, `interval` is a server's checkpointing thread
  (docs/audit-trail.md).
"""

from __future__ import annotations

from edc.audit.chain import GENESIS_HASH, ChainedEvent, event_hash, value_text
from edc.audit.trail import ChainHeadMissing, ItemChange, append, append_items
from edc.audit.verify import VerifyResult, verify

__all__ = [
    "GENESIS_HASH",
    "ChainHeadMissing",
    "ChainedEvent",
    "ItemChange",
    "VerifyResult",
    "append",
    "append_items",
    "event_hash",
    "value_text",
    "verify",
]
