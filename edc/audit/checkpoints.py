"""Signed checkpoints of the audit trail and key rotations: the entries of the anchor log, as pure functions.

A checkpoint states the trail's head at one moment: the last event's id and
hash, the number of events and the Merkle head (`edc.audit.merkle`) of their
hashes, with the time and the fingerprint of the signing key (SHA-256 of the
raw 32-byte Ed25519 public key, hex). A key rotation states that the key of
fingerprint `key` hands over to `new_public_key`; the old key signs it, so a
verifier holding the first key follows every rotation.

Entries are chained: each has its position `seq` (1, 2, ...) and `prev`, the
SHA-256 of the previous entry's canonical JSON (64 zeros for the first), and
its signature covers both, so removing, reordering or editing an entry of a
copy is seen. The signed bytes are `SIGNING_CONTEXT` followed by the canonical
JSON (`edc.audit.chain.canonical_json`: sorted keys, compact, UTF-8) of every
field but `signature`; an entry's line in the log is the canonical JSON of
every field. Time is `signed_at`, UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.

File and database input/output live elsewhere (`edc.audit.anchors`, `edc.audit.anchoring`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edc.audit.chain import GENESIS_HASH, canonical_json, utc_iso

#: Prefixed to every signed statement, so the key's signatures mean nothing in another protocol.
SIGNING_CONTEXT = b"edc audit anchor v1\n"

Hex64 = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
Position = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
Count = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
Moment = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")]
Base64 = Annotated[str, msgspec.Meta(pattern="^[A-Za-z0-9+/]+={0,2}$", max_length=200)]


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True, tag="checkpoint", tag_field="kind",
                 forbid_unknown_fields=True):
    """The signed head of the trail: `event_count` events, the last `event_id` with hash `event_hash`."""

    seq: Position
    prev: Hex64
    signed_at: Moment
    key: Hex64
    event_id: Count
    event_hash: Hex64
    event_count: Count
    merkle_root: Hex64
    signature: Base64


class KeyRotation(msgspec.Struct, frozen=True, kw_only=True, tag="rotation", tag_field="kind",
                  forbid_unknown_fields=True):
    """The key `key` hands over to `new_public_key` (raw, base64; fingerprint `new_key`), signed by `key`."""

    seq: Position
    prev: Hex64
    signed_at: Moment
    key: Hex64
    new_key: Hex64
    new_public_key: Base64
    signature: Base64


Entry = Checkpoint | KeyRotation


class AnchorFormatError(ValueError):
    """A line of an anchor log that is not a well-formed checkpoint or key rotation."""


@dataclass(frozen=True)
class TrailHead:
    """What a checkpoint states about the trail (the head of an empty trail: 0, 64 zeros, 0, the empty root)."""

    event_id: int
    event_hash: str
    event_count: int
    merkle_root: str


@dataclass(frozen=True)
class LogCheck:
    """The outcome of `verify_log`: the checkpoints whose signatures verify, and every problem found."""

    trusted: tuple[Checkpoint, ...]
    rotations: int
    problems: tuple[str, ...]


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 (hex) of the raw 32-byte public key: how entries name their key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign_checkpoint(key: Ed25519PrivateKey, head: TrailHead, *, signed_at: datetime,
                    previous: Entry | None) -> Checkpoint:
    """The checkpoint of `head`, signed by `key` at `signed_at`, following `previous` in the log."""
    fields: dict[str, Any] = {
        "seq": _next_seq(previous), "prev": _prev_digest(previous), "signed_at": utc_iso(signed_at),
        "key": fingerprint(key.public_key()), "event_id": head.event_id, "event_hash": head.event_hash,
        "event_count": head.event_count, "merkle_root": head.merkle_root}
    return Checkpoint(**fields, signature=_sign(key, "checkpoint", fields))


def sign_rotation(key: Ed25519PrivateKey, new_public_key: Ed25519PublicKey, *, signed_at: datetime,
                  previous: Entry | None) -> KeyRotation:
    """The statement, signed by the current `key`, that `new_public_key` signs the entries after it."""
    raw = new_public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    fields: dict[str, Any] = {
        "seq": _next_seq(previous), "prev": _prev_digest(previous), "signed_at": utc_iso(signed_at),
        "key": fingerprint(key.public_key()), "new_key": fingerprint(new_public_key),
        "new_public_key": base64.b64encode(raw).decode("ascii")}
    return KeyRotation(**fields, signature=_sign(key, "rotation", fields))


def signature_valid(entry: Entry, public_key: Ed25519PublicKey) -> bool:
    """True when `entry` names `public_key` and its signature, by that key, covers its fields."""
    if entry.key != fingerprint(public_key):
        return False
    try:
        public_key.verify(base64.b64decode(entry.signature, validate=True), _message(entry))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def signing_key_after(entry: Entry | None) -> str | None:
    """The fingerprint of the key that must sign the entry after `entry` (None: any, the log is empty)."""
    if entry is None:
        return None
    return entry.new_key if isinstance(entry, KeyRotation) else entry.key


def verify_log(entries: Sequence[Entry], trusted_key: Ed25519PublicKey) -> LogCheck:
    """Check every entry's place in the chain and signature, starting from `trusted_key` and following
    the rotations it (and its successors) signed. A checkpoint is trusted when its signature verifies."""
    key, previous = trusted_key, None
    trusted: list[Checkpoint] = []
    problems: list[str] = []
    rotations = 0
    for entry in entries:
        if entry.seq != _next_seq(previous) or entry.prev != _prev_digest(previous):
            problems.append(f"anchor entry {entry.seq} does not follow entry {previous.seq if previous else 0}"
                            f" (an entry before it was removed, reordered or altered)")
        previous = entry
        if entry.key != fingerprint(key):
            problems.append(f"anchor entry {entry.seq} ({entry_kind(entry)}) is signed by key {entry.key[:16]}, "
                            f"not by the current key {fingerprint(key)[:16]}: it cannot be trusted")
        elif not signature_valid(entry, key):
            problems.append(f"anchor entry {entry.seq}: the signature of this {entry_kind(entry)} does not "
                            f"verify (altered or forged)")
        elif isinstance(entry, KeyRotation):
            key, rotations = _rotated(entry, key, problems), rotations + 1
        else:
            trusted.append(entry)
    return LogCheck(tuple(trusted), rotations, tuple(problems))


def entry_kind(entry: Entry) -> str:
    """How messages name the entry: "checkpoint" or "key rotation"."""
    return "checkpoint" if isinstance(entry, Checkpoint) else "key rotation"


def entry_tag(entry: Entry) -> str:
    """The entry's `kind` in its JSON: "checkpoint" or "rotation"."""
    return "checkpoint" if isinstance(entry, Checkpoint) else "rotation"


def entry_line(entry: Entry) -> str:
    """The entry's line in the anchor log: canonical JSON of every field, no newline."""
    return canonical_json(_fields(entry))


def parse_entry(line: str | bytes) -> Entry:
    """The entry of one line of an anchor log; `AnchorFormatError` for anything else."""
    try:
        return msgspec.json.decode(line, type=Entry)
    except msgspec.ValidationError as exc:
        raise AnchorFormatError(f"not a checkpoint or key rotation: {exc}") from None
    except msgspec.DecodeError as exc:
        raise AnchorFormatError(f"not JSON: {exc}") from None


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    """The Ed25519 private key of a PEM (PKCS#8, unencrypted); ValueError for anything else."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the signing key is not an Ed25519 private key")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """The Ed25519 public key of a public key PEM, or of a private key PEM; ValueError for anything else."""
    if b"PRIVATE KEY" in pem:
        return load_private_key(pem).public_key()
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    return key


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _rotated(rotation: KeyRotation, key: Ed25519PublicKey, problems: list[str]) -> Ed25519PublicKey:
    """The key a verified rotation hands over to (the current one, with a problem, if it is malformed)."""
    try:
        new_key = Ed25519PublicKey.from_public_bytes(base64.b64decode(rotation.new_public_key, validate=True))
    except (binascii.Error, ValueError):
        new_key = None
    if new_key is None or fingerprint(new_key) != rotation.new_key:
        problems.append(f"anchor entry {rotation.seq}: the key rotation's new key does not match its fingerprint")
        return key
    return new_key


def _sign(key: Ed25519PrivateKey, kind: str, fields: dict[str, Any]) -> str:
    return base64.b64encode(key.sign(SIGNING_CONTEXT + canonical_json({**fields, "kind": kind}).encode())).decode()


def _message(entry: Entry) -> bytes:
    fields = _fields(entry)
    del fields["signature"]
    return SIGNING_CONTEXT + canonical_json(fields).encode()


def _fields(entry: Entry) -> dict[str, Any]:
    return {**msgspec.structs.asdict(entry), "kind": entry_tag(entry)}


def _next_seq(previous: Entry | None) -> int:
    return 1 if previous is None else previous.seq + 1


def _prev_digest(previous: Entry | None) -> str:
    return GENESIS_HASH if previous is None else hashlib.sha256(entry_line(previous).encode()).hexdigest()
