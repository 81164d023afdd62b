"""The Merkle tree heads and proofs against RFC 6962's definitions and the Certificate Transparency reference vectors.

The vectors (leaves, heads, paths and proofs of the 8-leaf reference tree) are those every RFC 6962
implementation tests with; `reference_head`, `reference_path` and `reference_proof` are the RFC's recursive
definitions written out literally, checked against the streaming and iterative code for every size to 40.
"""

from __future__ import annotations

import hashlib

import pytest

from edc.audit import merkle

LEAVES = [merkle.leaf_hash(bytes.fromhex(data)) for data in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
HEADS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
#: (leaf index, tree size, audit path)
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
#: (first size, second size, proof)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
MANY = [merkle.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(40)]


def reference_head(leaves: list[bytes]) -> bytes:
    """RFC 6962 MTH, literally."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + reference_head(leaves[:k]) + reference_head(leaves[k:])).digest()


def reference_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 PATH(m, D[n]), literally."""
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*reference_path(m, leaves[:k]), reference_head(leaves[k:])]
    return [*reference_path(m - k, leaves[k:]), reference_head(leaves[:k])]


def reference_proof(m: int, leaves: list[bytes], whole: bool = True) -> list[bytes]:
    """RFC 6962 SUBPROOF(m, D[n], b), literally."""
    if m == len(leaves):
        return [] if whole else [reference_head(leaves)]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m <= k:
        return [*reference_proof(m, leaves[:k], whole), reference_head(leaves[k:])]
    return [*reference_proof(m - k, leaves[k:], False), reference_head(leaves[:k])]


def test_the_heads_of_the_reference_tree_in_every_size() -> None:
    for size, expected in enumerate(HEADS):
        assert merkle.root(LEAVES[:size]).hex() == expected
        streamed = merkle.TreeHead()
        for leaf in LEAVES[:size]:
            streamed.append(leaf)
        assert (streamed.size, streamed.root().hex()) == (size, expected)


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_of_the_reference_tree(index: int, size: int, path: list[str]) -> None:
    proof = merkle.inclusion_proof(index, LEAVES[:size])
    assert [node.hex() for node in proof] == path
    head = bytes.fromhex(HEADS[size])
    assert merkle.verify_inclusion(index, size, LEAVES[index], proof, head)
    assert not merkle.verify_inclusion(index, size, LEAVES[index], proof, bytes.fromhex(HEADS[size - 1]))
    assert not merkle.verify_inclusion(index, size, LEAVES[(index + 1) % size], proof, head)


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_consistency_proofs_of_the_reference_tree(first: int, second: int, path: list[str]) -> None:
    proof = merkle.consistency_proof(first, LEAVES[:second])
    assert [node.hex() for node in proof] == path
    heads = bytes.fromhex(HEADS[first]), bytes.fromhex(HEADS[second])
    assert merkle.verify_consistency(first, second, proof, *heads)
    if first != second:
        assert not merkle.verify_consistency(first, second, proof, bytes.fromhex(HEADS[0]), heads[1])


def test_every_size_to_40_matches_the_rfc_definitions_and_verifies() -> None:
    for size in range(1, len(MANY) + 1):
        leaves = MANY[:size]
        head = merkle.root(leaves)
        assert head == reference_head(leaves)
        for index in range(size):
            proof = merkle.inclusion_proof(index, leaves)
            assert proof == reference_path(index, leaves)
            assert merkle.verify_inclusion(index, size, leaves[index], proof, head)
            assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"forged"), proof, head)
            if proof:
                assert not merkle.verify_inclusion(index, size, leaves[index], proof[:-1], head)
        for first in range(1, size + 1):
            proof = merkle.consistency_proof(first, leaves)
            assert proof == reference_proof(first, leaves)
            assert merkle.verify_consistency(first, size, proof, reference_head(leaves[:first]), head)
            if first < size:  # another first tree (its last leaf changed) is not a prefix of this one
                altered = reference_head([*leaves[:first - 1], MANY[-1] if size < len(MANY) else LEAVES[0]])
                assert not merkle.verify_consistency(first, size, proof, altered, head)


def test_out_of_range_proofs_are_refused() -> None:
    with pytest.raises(ValueError):
        merkle.inclusion_proof(3, LEAVES[:3])
    with pytest.raises(ValueError):
        merkle.consistency_proof(0, LEAVES[:3])
    assert not merkle.verify_inclusion(0, 0, LEAVES[0], [], merkle.EMPTY_ROOT)
    assert not merkle.verify_consistency(0, 3, [], merkle.EMPTY_ROOT, merkle.root(LEAVES[:3]))
    assert not merkle.verify_consistency(3, 3, [LEAVES[0]], merkle.root(LEAVES[:3]), merkle.root(LEAVES[:3]))
