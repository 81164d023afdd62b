"""What an export job is: its states, the server process running it, and how it reads.

A job is queued, then running (claimed by one server process, its `runner`,
which beats `heartbeat_at`), then succeeded or failed. A job whose process
died (server restart, crash) stays unfinished in the table; `runner_gone`
recognises that (the runner is this process but no longer runs it, a dead
process of this host, or a heartbeat gone stale) and `job_view` shows such a
job as failed, interrupted, without writing anything. Storing that outcome is
the sweep's (`edc.app.exports.worker.sweep`).
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Row

from edc.app.exports.odm_store import UNBOUNDED, Window
from edc.app.kernel.actor import Actor
from edc.app.kernel.clock import stored_utc

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
UNFINISHED = (QUEUED, RUNNING)
INTERRUPTED = "interrupted: the server process running the export stopped before it finished"
STALE = timedelta(seconds=60)  # no heartbeat for this long: the runner is gone

#: This server process, as recorded in the jobs it runs: host, pid and a token unique to this start.
HOST, PID = socket.gethostname(), os.getpid()
INSTANCE = f"{HOST}:{PID}:{uuid.uuid4().hex[:12]}"
_LIVE: Counter[int] = Counter()  # ids of the jobs this process is running: how many of its launches hold each
_LIVE_LOCK = threading.Lock()


@dataclass(frozen=True)
class ProgressView:
    dataset: str | None
    step: str | None
    done: int
    total: int | None


@dataclass(frozen=True)
class JobView:
    """An export job as stored, or as failed (interrupted) when its runner is gone (`stale`, not yet stored)."""

    job_id: int
    study_id: str
    requested_by: str
    requested_at: datetime
    status: str
    formats: tuple[str, ...]
    started_at: datetime | None
    finished_at: datetime | None
    progress: ProgressView
    rows: Mapping[str, int] | None
    files: tuple[str, ...]
    failures: tuple[Mapping[str, object], ...]
    error: str | None
    directory: Path | None
    site_ids: frozenset[int] | None = None
    stale: bool = False
    allow_uncoded: bool = False
    window: Window = UNBOUNDED

    def seen_by(self, actor: Actor) -> bool:
        """Whether the actor sees every subject the job exports (a study-wide job needs a study-wide grant)."""
        return actor.site_ids is None or (self.site_ids is not None and self.site_ids <= actor.site_ids)


@dataclass(frozen=True)
class JobPage:
    jobs: tuple[JobView, ...]
    next_cursor: str | None


@contextmanager
def running_here(job_id: int) -> Iterator[None]:
    """Mark the job as run by this process for the duration of the block.

    Counted: a second launch of the job in this process (a retried request)
    ending at once, its claim refused, leaves the job marked while the first runs.
    """
    with _LIVE_LOCK:
        _LIVE[job_id] += 1
    try:
        yield
    finally:
        with _LIVE_LOCK:
            _LIVE[job_id] -= 1
            if _LIVE[job_id] <= 0:
                del _LIVE[job_id]


def runner_gone(row: Row[Any], now: datetime) -> bool:
    """True when the unfinished job (id, status, runner, requested_at, heartbeat_at) has nobody running it."""
    if row.status not in UNFINISHED:
        return False
    if row.runner is None:  # never claimed: its launch should have followed the request at once
        return now - stored_utc(row.requested_at) > STALE
    if row.runner == INSTANCE:
        with _LIVE_LOCK:
            return _LIVE[int(row.id)] <= 0
    host, _, rest = str(row.runner).partition(":")
    pid = rest.partition(":")[0]
    if host == HOST and pid.isdigit() and (int(pid) == PID or not _alive(int(pid))):
        return True  # this process restarted (same pid, new instance) or that process died
    return row.heartbeat_at is None or now - stored_utc(row.heartbeat_at) > STALE


def job_view(row: Row[Any], now: datetime) -> JobView:
    """The job of a row of `edc.app.exports.job_store`, failed (interrupted) if its runner is gone."""
    stale = runner_gone(row, now)
    return JobView(
        job_id=int(row.id), study_id=row.study_id, requested_by=row.username,
        requested_at=stored_utc(row.requested_at), status=FAILED if stale else row.status,
        formats=tuple(row.formats), started_at=_utc(row.started_at), finished_at=_utc(row.finished_at),
        progress=ProgressView(row.progress_dataset, row.progress_step, int(row.progress_done), row.progress_total),
        rows=row.rows, files=tuple(row.files or ()), failures=tuple(row.failures or ()),
        error=INTERRUPTED if stale else row.error, directory=Path(row.directory) if row.directory else None,
        site_ids=None if row.site_ids is None else frozenset(row.site_ids), stale=stale,
        allow_uncoded=bool(row.allow_uncoded),
        window=window_of(row))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def window_of(row: Any) -> Window:
    """The window of a job's row (changed_since, changed_until) as aware UTC."""
    return Window(_utc(row.changed_since), _utc(row.changed_until))


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else stored_utc(moment)
