"""Interval checkpoints: while a server runs, sign the trail's head every few seconds when it moved.

One `IntervalCheckpoints` per server process runs a daemon thread: it signs
at start, then every `seconds`, then once more when stopped, each time only if
the head moved since the log's last checkpoint (`anchoring.checkpoint` with
`only_if_moved`). Several processes may run it on one database and one anchor
log: the log's file lock makes them take turns, and the one that comes second
finds the head already signed and appends nothing.

A failure (the database unreachable, the log unwritable, a trail that
contradicts the last checkpoint) is logged, once per distinct message, and the
next interval tries again; it never stops the server. Each check reads every
event hash of the trail (memory flat; about a second per million events).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from edc.audit.anchoring import CheckpointRefused, checkpoint
from edc.audit.anchors import KeyFileError, read_private_key
from edc.audit.checkpoints import AnchorFormatError

log = logging.getLogger("edc.audit")


class IntervalCheckpoints:
    """The checkpointing thread of one server process (`start`, `stop`)."""

    def __init__(self, engine: Engine, *, key_path: Path | None, anchor_log: Path, seconds: int) -> None:
        self.engine, self.key_path, self.anchor_log, self.seconds = engine, key_path, anchor_log, seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reported: set[str] = set()

    def start(self) -> None:
        """Start signing (nothing, logged, when no key is configured or the key file cannot be read)."""
        if self.key_path is None:
            log.info("audit checkpoints are off: no signing key (EDC_AUDIT_SIGNING_KEY)")
            return
        try:
            key = read_private_key(self.key_path)
        except (OSError, KeyFileError) as exc:
            log.error("audit checkpoints are off: %s", exc)
            return
        self._thread = threading.Thread(target=self._run, args=(key,), name="audit-checkpoints", daemon=True)
        self._thread.start()
        log.info("audit checkpoints every %s s into %s", self.seconds, self.anchor_log)

    def stop(self) -> None:
        """Sign a last time and stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _run(self, key: Ed25519PrivateKey) -> None:
        while True:
            self.tick(key)
            if self._stop.is_set():
                return
            self._stop.wait(self.seconds)

    def tick(self, key: Ed25519PrivateKey) -> None:
        """One attempt to sign the head if it moved; failures are logged, not raised."""
        try:
            signed = checkpoint(self.engine, key, self.anchor_log, only_if_moved=True)
        except (CheckpointRefused, AnchorFormatError, OSError, SQLAlchemyError) as exc:
            message = str(exc).splitlines()[0]
            if message not in self._reported:
                self._reported.add(message)
                log.error("audit checkpoint not signed: %s", message)
            return
        if signed is not None:
            log.debug("audit checkpoint %s: %s events", signed.seq, signed.event_count)
