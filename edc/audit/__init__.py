"""The audit trail: append-only, hash-chained events written in the changing transaction.

- `append` (edc.audit.trail) writes one event inside the caller's transaction;
- `verify` (edc.audit.verify) recomputes the chain and names the first broken event;
- `value_text` (edc.audit.chain) is the canonical text of an item value.
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
