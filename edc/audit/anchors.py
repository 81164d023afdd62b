"""The anchor log and the signing key files: the audit trail's witnesses, kept outside the database.

The anchor log is an append-only JSON-lines file, one checkpoint or key
rotation (`edc.audit.checkpoints`) per line. `append` holds an exclusive
`flock` on the file while it reads the last entry, lets the caller build the
next one and writes it with one `write` in append mode, so several server
processes (and `edc audit checkpoint` beside them) take turns and never
interleave or fork the log. The lock is advisory and needs a local file
system (POSIX `flock`; NFS is not supported).

Keys are PEM files: the private key PKCS#8 unencrypted, created mode 0600, and
the public key SubjectPublicKeyInfo, for whoever verifies.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edc.audit.checkpoints import (
    AnchorFormatError,
    Entry,
    entry_line,
    fingerprint,
    load_private_key,
    load_public_key,
    parse_entry,
    private_key_pem,
    public_key_pem,
)

#: The names `write_key_pair` gives the two files in its directory.
PRIVATE_KEY_NAME, PUBLIC_KEY_NAME = "audit-signing-key.pem", "audit-signing-key.pub.pem"


class KeyFileError(ValueError):
    """A key file that does not hold an Ed25519 key of the kind asked for."""


def append(path: Path, build: Callable[[Entry | None], Entry | None]) -> Entry | None:
    """Append `build(last entry)` to the log at `path` (created if missing) under the log's lock.

    `build` runs while the lock is held, so no other process appends between
    its reading the last entry and the write; it returns None to append nothing.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as log:
        fcntl.flock(log.fileno(), fcntl.LOCK_EX)
        try:
            last = _last_entry(log, path)
            entry = build(last)
            if entry is not None:
                log.write((entry_line(entry) + "\n").encode())
                log.flush()
                os.fsync(log.fileno())
            return entry
        finally:
            fcntl.flock(log.fileno(), fcntl.LOCK_UN)


def read_entries(path: Path) -> list[Entry]:
    """Every entry of the log at `path`, in order; `AnchorFormatError` naming the first malformed line."""
    return list(iter_entries(path))


def iter_entries(path: Path, after: int = 0) -> Iterator[Entry]:
    """The entries of the log at `path` after the first `after` lines, read lazily (none if it is missing)."""
    try:
        log = path.open("rb")
    except FileNotFoundError:
        return
    with log:
        for number, line in enumerate(log, start=1):
            if number <= after or not line.strip():
                continue
            yield _parsed(line, path, number)


def last_entry(path: Path) -> Entry | None:
    """The last entry of the log at `path` (None if it is missing or empty), read from the end."""
    try:
        log = path.open("rb")
    except FileNotFoundError:
        return None
    with log:
        return _last_entry(log, path)


def write_key_pair(directory: Path) -> tuple[Path, Path, str]:
    """A new Ed25519 key pair in `directory`: (private key path, public key path, fingerprint).

    The private key file is created mode 0600; `FileExistsError` if either file exists (nothing is overwritten).
    """
    private, public = directory / PRIVATE_KEY_NAME, directory / PUBLIC_KEY_NAME
    for existing in (private, public):
        if existing.exists():
            raise FileExistsError(f"{existing} exists; refusing to overwrite a key")
    directory.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    descriptor = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_key_pem(key))
    with public.open("xb") as handle:
        handle.write(public_key_pem(key.public_key()))
    return private, public, fingerprint(key.public_key())


def read_private_key(path: Path) -> Ed25519PrivateKey:
    """The signing key in the PEM file at `path`; `KeyFileError` naming the file if it is not one."""
    try:
        return load_private_key(path.read_bytes())
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"{path}: not an Ed25519 private key ({exc})") from None


def read_public_key(path: Path) -> Ed25519PublicKey:
    """The public key in the PEM file at `path` (a private key's file gives its public key)."""
    try:
        return load_public_key(path.read_bytes())
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"{path}: not an Ed25519 public key ({exc})") from None


def _last_entry(log: BinaryIO, path: Path) -> Entry | None:
    """The last non-blank line's entry, reading backwards from the end in blocks."""
    end = log.seek(0, os.SEEK_END)
    tail, position = b"", end
    while position > 0:
        step = min(4096, position)
        position -= step
        log.seek(position)
        tail = log.read(step) + tail
        stripped = tail.rstrip()
        if b"\n" in stripped:
            return _parsed(stripped.rsplit(b"\n", 1)[1], path, None)
    stripped = tail.strip()
    return _parsed(stripped, path, None) if stripped else None


def _parsed(line: bytes, path: Path, number: int | None) -> Entry:
    try:
        return parse_entry(line)
    except AnchorFormatError as exc:
        where = f"line {number}" if number is not None else "its last line"
        raise AnchorFormatError(f"{path}, {where}: {exc}") from None
