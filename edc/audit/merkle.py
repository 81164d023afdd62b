"""Merkle tree heads and proofs over the audit trail, as pure functions (RFC 6962 section 2.1, RFC 9162 section 2.1).

A leaf is hashed as SHA-256(0x00 || data), an interior node as
SHA-256(0x01 || left || right), the empty tree's head is SHA-256 of nothing.
The tree over n leaves splits at k, the largest power of two below n, so a
tree of any size (odd ones included) has one head, and a tree of size m is a
prefix of every larger one: that is what a consistency proof shows.

- `TreeHead` builds the head while leaf hashes stream past (memory grows with
  log2 of the size, never with the size), so a verifier can walk a million
  events without holding them;
- `inclusion_proof` / `verify_inclusion`: one leaf is in a tree of a head;
- `consistency_proof` / `verify_consistency`: a tree is a prefix of a larger one.

The proofs are computed from the sequence of every leaf hash (the caller reads
them once, in order); the verifications need only the proof and the heads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: SHA-256 of 0x00 and the leaf's data."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256 of 0x01 and its two children's hashes."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class TreeHead:
    """The head of a growing tree, fed leaf hashes in order.

    It keeps the heads of the perfect subtrees the leaves so far decompose into
    (largest first); merging equal neighbours as leaves arrive and folding the
    rest from the right gives the RFC 6962 head of any size.
    """

    def __init__(self) -> None:
        self.size = 0
        self._peaks: list[tuple[int, bytes]] = []  # (leaf count, head) of each perfect subtree

    def append(self, leaf: bytes) -> None:
        """Add the next leaf's hash (`leaf_hash` of its data)."""
        self.size += 1
        count, digest = 1, leaf
        while self._peaks and self._peaks[-1][0] == count:
            left_count, left = self._peaks.pop()
            count, digest = left_count + count, node_hash(left, digest)
        self._peaks.append((count, digest))

    def root(self) -> bytes:
        """The head of the tree over every leaf appended so far."""
        if not self._peaks:
            return EMPTY_ROOT
        digest = self._peaks[-1][1]
        for _, left in reversed(self._peaks[:-1]):
            digest = node_hash(left, digest)
        return digest


def root(leaves: Sequence[bytes]) -> bytes:
    """The head (Merkle tree hash) of the tree over `leaves`, a sequence of leaf hashes."""
    return _subtree(leaves, 0, len(leaves))


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf `index` (0-based) in the tree over `leaves` (RFC 6962 PATH)."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)} leaves")
    proof: list[bytes] = []
    lo, hi = 0, len(leaves)
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            proof.append(_subtree(leaves, lo + k, hi))
            hi = lo + k
        else:
            proof.append(_subtree(leaves, lo, lo + k))
            lo += k
    return proof[::-1]  # PATH lists the siblings from the leaf up


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The proof that the tree of the first `first` leaves is a prefix of the tree over `leaves` (RFC 6962 PROOF)."""
    if not 1 <= first <= len(leaves):
        raise ValueError(f"no consistency proof from {first} leaves to {len(leaves)}")
    proof: list[bytes] = []
    lo, hi, whole, m = 0, len(leaves), True, first
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append(_subtree(leaves, lo + k, hi))
            hi = lo + k
        else:
            proof.append(_subtree(leaves, lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        proof.append(_subtree(leaves, lo, hi))
    return proof[::-1]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], head: bytes) -> bool:
    """True when `proof` shows leaf hash `leaf` at `index` in the tree of `size` leaves with head `head`
    (RFC 9162 section 2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, digest = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            digest = node_hash(digest, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and digest == head


def verify_consistency(first: int, second: int, proof: Sequence[bytes], first_head: bytes,
                       second_head: bytes) -> bool:
    """True when `proof` shows the tree of `first` leaves (head `first_head`) is a prefix of the tree of
    `second` leaves (head `second_head`) (RFC 9162 section 2.1.4.2)."""
    if not 1 <= first <= second:
        return False
    if first == second:
        return not proof and first_head == second_head
    path = [first_head, *proof] if first & (first - 1) == 0 else list(proof)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first_digest = second_digest = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first_digest, second_digest = node_hash(node, first_digest), node_hash(node, second_digest)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            second_digest = node_hash(second_digest, node)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and first_digest == first_head and second_digest == second_head


def _split(n: int) -> int:
    """The largest power of two below `n` (n > 1): where RFC 6962 splits a tree of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtree(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    """The head of the tree over `leaves[lo:hi]`."""
    head = TreeHead()
    for index in range(lo, hi):
        head.append(leaves[index])
    return head.root()
