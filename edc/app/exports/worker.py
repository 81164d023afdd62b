"""Running export jobs in the background, and settling the jobs whose runner is gone.

Once the request of a job is committed, `launch` runs it in a thread of this
server with its own connections: it claims the job (queued -> running, so a
job runs once however often it is launched), records progress as the export
reports it (throttled), beats a heartbeat, and stores the outcome (succeeded
with files and row counts, or failed with every validation failure or the
error) with an `export.finish` audit event.

`sweep` stores as failed (interrupted), with its `export.finish` event, each
unfinished job whose runner is gone (`edc.app.exports.jobs.runner_gone`):
the application sweeps when it starts, and every worker sweeps before it
starts its job and again for its own job when it ends (a run that could not
store its outcome). Reads never settle: they only show such a job as failed.
Settling is a conditional UPDATE (`job_store.settle_interrupted`), so two
servers sweeping at once settle a job once, and a live job, whose heartbeat
moves, is never settled. Files are written under `edc.config.export_dir`,
one subdirectory per job.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from edc import audit, config
from edc.app.exports import job_store
from edc.app.exports.job_export import export_job
from edc.app.exports.jobs import FAILED, INTERRUPTED, RUNNING, SUCCEEDED, runner_gone, running_here
from edc.app.exports.odm_store import Window
from edc.app.exports.outcome import file_names, refused
from edc.db.engine import WRITE
from edc.definitions.catalog import StudyDefinition
from edc.export.odm.document import OdmInvalid
from edc.export.sdtm.failures import SubmissionInvalid

HEARTBEAT_SECONDS = 10.0
PROGRESS_EVERY = 0.5  # seconds between two progress writes within one dataset
log = logging.getLogger("edc.exports")


class ProgressEvent(Protocol):
    """What the export reports as it goes (`edc.export.run.Progress`)."""

    @property
    def dataset(self) -> str: ...
    @property
    def step(self) -> str: ...
    @property
    def done(self) -> int: ...
    @property
    def total(self) -> int: ...


class ExportOutcome(Protocol):
    """What a finished export returns (edc.export.run.ExportResult)."""

    @property
    def directory(self) -> Path: ...
    @property
    def files(self) -> Sequence[Path]: ...
    @property
    def rows(self) -> Mapping[str, int]: ...


class ExportFunction(Protocol):
    """`edc.app.exports.job_export.export_job`, or a stand-in with its signature."""

    def __call__(self, engine: Engine, study: StudyDefinition, out: Path, *, formats: Sequence[str],
                 created: datetime | None, progress: Callable[[Any], None] | None,
                 site_ids: frozenset[int] | None, allow_uncoded: bool, window: Window) -> ExportOutcome: ...


def export_root(engine: Engine) -> Path:
    """Where the jobs of the database behind `engine` write (see `edc.config.export_dir`)."""
    sqlite_file = engine.url.database if engine.dialect.name == "sqlite" else None
    return config.export_dir(sqlite_file)


def default_export() -> ExportFunction:
    """The export a job runs unless told otherwise: `edc.app.exports.job_export.export_job`."""
    return cast(ExportFunction, export_job)


def launch(engine: Engine, *, study: StudyDefinition, job_id: int, export: ExportFunction | None = None,
           root: Path | None = None) -> threading.Thread:
    """Run the job in a background thread (a no-op there when another launch already claimed it)."""
    worker = _Worker(engine, study, job_id, export or default_export(), root or export_root(engine))
    thread = threading.Thread(target=worker.run, name=f"edc-export-{job_id}", daemon=True)
    thread.start()
    return thread


def sweep(engine: Engine, *, job_id: int | None = None) -> int:
    """Store as failed (interrupted) each unfinished job (or only `job_id`) whose runner is gone; how many.

    Each is settled in its own write transaction with its `export.finish`
    event, only if still as judged (see `job_store.settle_interrupted`).
    """
    now = datetime.now(UTC)
    with engine.connect() as conn:
        gone = [row for row in job_store.unfinished_rows(conn, job_id=job_id) if runner_gone(row, now)]
    settled = 0
    for row in gone:
        with engine.execution_options(**WRITE).begin() as conn:
            if job_store.settle_interrupted(conn, row, now):
                audit_finish(conn, int(row.id), FAILED, INTERRUPTED, now)
                settled += 1
    return settled


def sweep_quietly(engine: Engine, *, job_id: int | None = None) -> None:
    """`sweep`, a database error logged instead of raised (for callers that must go on)."""
    try:
        settled = sweep(engine, job_id=job_id)
    except SQLAlchemyError:
        log.warning("export jobs: the sweep of interrupted jobs failed", exc_info=True)
        return
    if settled:
        log.info("export jobs: %s interrupted job(s) stored as failed", settled)


def audit_finish(conn: Connection, job_id: int, status: str, error: object, now: datetime) -> None:
    """Audit `export.finish` of the job, as its requester (the export ran on their behalf)."""
    job = job_store.requester(conn, job_id)
    audit.append(conn, action="export.finish", occurred_at=now, user_id=job.requested_by, role=job.requested_role,
                 study_id=job.study_id, item="export", old_value=RUNNING, new_value=status,
                 reason=f"export {job_id}" + (f": {error}" if error else ""))


class _Worker:
    """One job's run: claim, export with progress and heartbeat, store the outcome."""

    def __init__(self, engine: Engine, study: StudyDefinition, job_id: int, export: ExportFunction,
                 root: Path) -> None:
        self.engine, self.study, self.job_id, self.export = engine, study, job_id, export
        self.directory = root / study.id / f"{job_id}-{uuid.uuid4().hex[:8]}"
        self.last_write, self.last_done = 0.0, -1

    def run(self) -> None:
        with running_here(self.job_id):
            try:
                sweep_quietly(self.engine)  # the jobs of dead runners, before this one starts
                claimed = self._claim()
                if claimed is not None:
                    self._run(claimed)
            except Exception:  # a worker thread has no caller to raise to; the job shows failed (interrupted)
                log.exception("export job %s could not be run", self.job_id)
        sweep_quietly(self.engine, job_id=self.job_id)  # still running here yet no longer run: interrupted

    def _run(self, claimed: job_store.Claimed) -> None:
        stop = threading.Event()
        beat = threading.Thread(target=self._beat, args=(stop,), name=f"edc-export-{self.job_id}-beat", daemon=True)
        beat.start()
        try:
            outcome = self._export(claimed)
        finally:
            stop.set()
        self._finish(**outcome)

    def _export(self, claimed: job_store.Claimed) -> dict[str, Any]:
        try:
            result = self.export(self.engine, self.study, self.directory, formats=claimed.formats,
                                 created=datetime.now(UTC), progress=self.progress, site_ids=claimed.site_ids,
                                 allow_uncoded=claimed.allow_uncoded, window=claimed.window)
            return {"status": SUCCEEDED, "rows": {str(k): int(v) for k, v in result.rows.items()},
                    "files": file_names(Path(result.directory), result.files), "directory": str(result.directory)}
        except SubmissionInvalid as invalid:
            return refused(invalid.failures)
        except OdmInvalid as invalid:
            log.error("export job %s: the ODM document fails the ODM 1.3.2 schema: %s", self.job_id, invalid)
            return {"status": FAILED, "error": f"the ODM document fails the ODM 1.3.2 schema: {invalid}"}
        except Exception as exc:
            log.exception("export job %s failed", self.job_id)
            return {"status": FAILED, "error": f"the export failed unexpectedly ({type(exc).__name__}); "
                                               "the server log has the details"}

    def _claim(self) -> job_store.Claimed | None:
        """queued -> running by this process; None when the job is not queued (claimed or finished already)."""
        with self.engine.execution_options(**WRITE).begin() as conn:
            return job_store.claim(conn, job_id=self.job_id, directory=str(self.directory), now=datetime.now(UTC))

    def progress(self, event: ProgressEvent) -> None:
        """Record the export's progress: at each dataset done, else at most every PROGRESS_EVERY seconds."""
        moment = time.monotonic()
        if event.done == self.last_done and moment - self.last_write < PROGRESS_EVERY:
            return
        self.last_write, self.last_done = moment, event.done
        self._write(progress_dataset=str(event.dataset)[:40], progress_step=str(event.step)[:40],
                    progress_done=int(event.done), progress_total=int(event.total))

    def _beat(self, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            self._write()

    def _write(self, **values: object) -> None:
        """Update the running job (and its heartbeat); a failed write is logged, the export goes on."""
        try:
            with self.engine.execution_options(**WRITE).begin() as conn:
                job_store.beat(conn, job_id=self.job_id, now=datetime.now(UTC), **values)
        except SQLAlchemyError:
            log.warning("export job %s: progress not recorded", self.job_id, exc_info=True)

    def _finish(self, *, status: str, **values: Any) -> None:
        now = datetime.now(UTC)
        with self.engine.execution_options(**WRITE).begin() as conn:
            if job_store.finish(conn, job_id=self.job_id, status=status, now=now, **values):
                audit_finish(conn, self.job_id, status, values.get("error"), now)
