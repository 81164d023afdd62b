"""Chaining after commit: a request's audit events committed as a pending batch, chained by a sequencer pass.

Why: chaining in the transaction holds the chain head from the events' insert to the commit, so every
writer of the database takes its turn for that long, whatever the number of workers (`bench.api_submit`:
the head held ~100% of the time under load). On PostgreSQL a request's transaction (`audited_transaction`)
now writes its staged events as one row of `audit_pending`, takes no lock on the head, and commits. Right
after, before the response, its process's `Sequencer` chains it: one thread per process and engine that,
in a pass, locks the head, takes every pending row committed so far (`DELETE ... RETURNING`), chains their
events in batch order, moves the head and commits. The head is held once per pass over every transaction
that committed meanwhile, not once per transaction.

The guarantees (docs/audit-trail.md, "chained after commit"):
- the events are committed in the transaction that makes the change (as its pending batch), or neither;
- one linear chain: a pass holds the head's row lock from before it takes the rows to its commit, so passes
  of several threads or servers take turns and no two link to one predecessor; the head's compare-and-swap
  is `trail._chain`'s;
- causal order: a batch number is taken by its transaction's last statement before the commit, so if B saw
  A's changes, A had committed before B took its number (A's is lower) and any pass that sees B's row sees
  A's or A's was chained by an earlier pass; a pass chains in batch order, so A's events precede B's; each
  transaction's events stay contiguous and in their order;
- nothing is lost: a batch is deleted by the pass that inserts its events, in one transaction; a process
  that dies between a commit and its pass leaves the row, which the next pass of any process chains, and
  `edc audit verify` chains what is pending before it checks.

SQLite serialises writers with the database's write lock, taken at a request's first statement, so there
is nothing to gain: `audited_transaction` chains in the transaction there, as `chained_at_end` does.
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, delete, insert, select

from edc.audit.trail import chain_staged, chained_at_end, lock_head
from edc.db.trail import AuditPending

log = logging.getLogger("edc.audit")
_PENDING: Table = AuditPending.__table__  # type: ignore[assignment]
#: How long a request waits for its batch to be chained before it answers anyway (the batch stays pending).
WAIT_SECONDS = 10.0
#: How long an idle sequencer thread lives before it ends (the next commit starts another).
IDLE_SECONDS = 2.0


@contextmanager
def audited_transaction(engine: Engine, **options: Any) -> Iterator[Connection]:
    """`engine.begin()` whose audit appends are chained at its end: on PostgreSQL as a pending batch that the
    process's sequencer chains after the commit (this returns once it is chained), elsewhere in the
    transaction (`chained_at_end`). Rolled back on any exception, with its staged events."""
    batch: list[int] = []
    deferred = (lambda conn, staged: batch.append(stage(conn, staged))) if engine.dialect.name == "postgresql" \
        else None
    with (engine.execution_options(**options) if options else engine).begin() as conn, \
            chained_at_end(conn, defer=deferred):
        yield conn
    if batch:
        sequencer(engine).wait_chained(batch[0])


_STAGE = insert(_PENDING).values(events=bindparam("events")).returning(_PENDING.c.batch)
"""Built once: each write transaction sends it as its last statement."""


def stage(conn: Connection, staged: list[dict[str, Any]]) -> int:
    """Write the staged events of this transaction as one pending batch; its number."""
    events = json.dumps([{**fields, "occurred_at": fields["occurred_at"].isoformat()} for fields in staged])
    return int(conn.execute(_STAGE, {"events": events}).scalar_one())


_TAKE = delete(_PENDING).returning(_PENDING.c.batch, _PENDING.c.events)
"""Built once: every pass sends it."""


def chain_pending(conn: Connection) -> list[int]:
    """In the caller's transaction (commit it at once: the head stays locked): lock the head, take every
    committed pending batch and chain its events in batch order. The batches chained, in that order."""
    head = lock_head(conn)  # before the rows are taken: passes chain in the order they hold the head
    rows = sorted(conn.execute(_TAKE).all())
    staged = [_event(fields) for _, events in rows for fields in json.loads(events)]
    if staged:
        chain_staged(conn, staged, held=head)  # the head read as locked: no second update to reserve the ids
    return [int(batch) for batch, _ in rows]


def pending_batches(conn: Connection) -> set[int]:
    """The batches committed and not chained yet."""
    return {int(b) for b in conn.execute(select(_PENDING.c.batch)).scalars()}


def _event(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {**fields, "occurred_at": datetime.fromisoformat(fields["occurred_at"])}


class Sequencer:
    """The chaining thread of one engine in this process: requests wait for their batch (`wait_chained`), the
    thread runs passes while any is waiting and ends when idle for `IDLE_SECONDS`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = weakref.ref(engine)  # the registry's key: a strong reference would keep it forever
        self._lock = threading.Condition()
        self._waiting: set[int] = set()
        self._chained: set[int] = set()
        self._thread: threading.Thread | None = None

    def wait_chained(self, batch: int, timeout: float = WAIT_SECONDS) -> bool:
        """Wait until `batch` is chained (by this process or another); False if it is still pending after
        `timeout` (it stays committed and the next pass chains it)."""
        with self._lock:
            self._waiting.add(batch)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="audit-sequencer", daemon=True)
                self._thread.start()
            self._lock.notify_all()
            done = self._lock.wait_for(lambda: batch in self._chained, timeout)
            self._waiting.discard(batch)
            self._chained.discard(batch)
        if not done:
            log.warning("audit batch %s not chained within %s s; it stays pending", batch, timeout)
        return done

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._lock.wait_for(lambda: self._waiting - self._chained, IDLE_SECONDS):
                    self._thread = None
                    return
                wanted = self._waiting - self._chained
            try:
                done = self._pass(wanted)
            except Exception:  # a database error: the batches stay pending; the waiters time out or the next pass
                log.exception("audit sequencer pass failed")
                threading.Event().wait(0.1)
                continue
            with self._lock:
                self._chained |= done & self._waiting
                self._lock.notify_all()

    def _pass(self, wanted: set[int]) -> set[int]:
        """Chain what is pending; `wanted` (batches committed before the pass began) is then all chained.

        No second look is needed: the pass takes its rows after it holds the head, so a wanted batch it did
        not take was taken by a pass that held the head before, and that pass committed before this one
        could lock it."""
        engine = self._engine()
        if engine is not None:  # else disposed of and collected: nobody waits for it any more
            with engine.begin() as conn:
                chain_pending(conn)
        return wanted


_SEQUENCERS: weakref.WeakKeyDictionary[Engine, Sequencer] = weakref.WeakKeyDictionary()
_REGISTRY = threading.Lock()


def sequencer(engine: Engine) -> Sequencer:
    """This process's sequencer of `engine`."""
    with _REGISTRY:
        found = _SEQUENCERS.get(engine)
        if found is None:
            found = _SEQUENCERS[engine] = Sequencer(engine)
        return found
