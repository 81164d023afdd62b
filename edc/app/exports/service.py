"""SDTM export jobs: a data manager starts an export, a worker thread of the server runs it, anyone polls it.

`request_export` stores a queued job and audits `export.start` in the
caller's transaction; once that is committed, `launch` runs the export in a
background thread with its own connections: it claims the job (queued ->
running, so a job runs once however often it is launched), records progress
as the export reports it (throttled), beats a heartbeat, and stores the
outcome (succeeded with files and row counts, or failed with every
validation failure or the error) with an `export.finish` audit event.

A job whose process died (server restart, crash) stays `running` in the
table; reading it recognises that (the runner is this process but no longer
runs it, a dead process of this host, or a heartbeat gone stale) and shows it
as failed, interrupted; `settle` then stores that. Files are written under
`edc.config.export_dir`, one subdirectory per job; the directory is never
shown to clients, only the names of the files the export produced.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import Connection, Engine, Row, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from edc import audit, config
from edc.app.exports.submission import export_study
from edc.app.kernel import lookups
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import Conflict, NotFound, ValidationFailed
from edc.app.records.store import stored_utc
from edc.capture.payload import ItemError
from edc.db.core import ExportJob, User
from edc.db.engine import WRITE
from edc.definitions.catalog import StudyDefinition
from edc.export.validate import Failure, SubmissionInvalid

FORMATS = ("xpt", "json", "csv")
QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
UNFINISHED = (QUEUED, RUNNING)
INTERRUPTED = "interrupted: the server process running the export stopped before it finished"
HEARTBEAT_SECONDS = 10.0
STALE = timedelta(seconds=60)  # no heartbeat for this long: the runner is gone
PROGRESS_EVERY = 0.5  # seconds between two progress writes within one dataset
MAX_FAILURES = 1000  # stored per job; the error text gives the full count
MEDIA_TYPES = {".xpt": "application/octet-stream", ".json": "application/json", ".csv": "text/csv",
               ".xml": "application/xml"}

#: This server process, as recorded in the jobs it runs: host, pid and a token unique to this start.
HOST, PID = socket.gethostname(), os.getpid()
INSTANCE = f"{HOST}:{PID}:{uuid.uuid4().hex[:12]}"
_LIVE: set[int] = set()  # ids of the jobs this process is running
_LIVE_LOCK = threading.Lock()
log = logging.getLogger("edc.exports")


class ProgressEvent(Protocol):
    """What the export reports as it goes (`edc.export.submission.Progress`)."""

    @property
    def dataset(self) -> str: ...
    @property
    def step(self) -> str: ...
    @property
    def done(self) -> int: ...
    @property
    def total(self) -> int: ...


class ExportOutcome(Protocol):
    """What a finished export returns (edc.export.submission.ExportResult)."""

    @property
    def directory(self) -> Path: ...
    @property
    def files(self) -> Sequence[Path]: ...
    @property
    def rows(self) -> Mapping[str, int]: ...


class ExportFunction(Protocol):
    """`edc.app.exports.submission.export_study`, or a stand-in with its signature."""

    def __call__(self, engine: Engine, study: StudyDefinition, out: Path, *, formats: Sequence[str],
                 created: datetime | None, progress: Callable[[Any], None] | None) -> ExportOutcome: ...


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
    stale: bool = False


@dataclass(frozen=True)
class JobPage:
    jobs: tuple[JobView, ...]
    next_cursor: str | None


def checked_formats(formats: Sequence[str] | None) -> tuple[str, ...]:
    """The formats asked for (all of FORMATS when None); ValidationFailed naming each bad entry."""
    if formats is None:
        return FORMATS
    errors = [ItemError(f"formats[{i}]", f"not a format; one of {', '.join(FORMATS)}", value)
              for i, value in enumerate(formats) if value not in FORMATS]
    errors += [ItemError(f"formats[{i}]", "given twice", value)
               for i, value in enumerate(formats) if value in FORMATS and value in formats[:i]]
    if not formats:
        errors.append(ItemError("formats", f"name at least one format of {', '.join(FORMATS)}", []))
    if errors:
        raise ValidationFailed(errors)
    return tuple(formats)


def request_export(conn: Connection, *, study: StudyDefinition, actor: Actor, formats: Sequence[str] | None,
                   now: datetime) -> JobView:
    """Store a queued export job of `study` and audit `export.start`; `launch` it once this is committed."""
    chosen = checked_formats(formats)
    job_id = conn.execute(insert(ExportJob).values(
        study_id=study.id, requested_by=actor.user_id, requested_role=actor.role, requested_at=now, status=QUEUED,
        formats=list(chosen), progress_done=0).returning(ExportJob.id)).scalar_one()
    audit.append(conn, action="export.start", occurred_at=now, user_id=actor.user_id, role=actor.role,
                 study_id=study.id, item="export", old_value=None, new_value=QUEUED,
                 reason=f"export {job_id}: {', '.join(chosen)}")
    return read_job(conn, study_id=study.id, job_id=int(job_id), now=now)


def read_job(conn: Connection, *, study_id: str, job_id: int, now: datetime) -> JobView:
    """One export job of the study; NotFound for another study's or an unknown one."""
    row = conn.execute(_select().where(ExportJob.id == job_id, ExportJob.study_id == study_id)).one_or_none()
    if row is None:
        raise NotFound(f"study '{study_id}' has no export job {job_id}")
    return _view(row, now)


def list_jobs(conn: Connection, *, study_id: str, now: datetime, limit: int = 50,
              cursor: str | None = None) -> JobPage:
    """The study's export jobs, newest first, one page and the cursor of the next."""
    statement = _select().where(ExportJob.study_id == study_id)
    after = lookups.decode_cursor(cursor)
    if after:
        statement = statement.where(ExportJob.id < after)
    rows = conn.execute(statement.order_by(ExportJob.id.desc()).limit(limit + 1)).all()
    views = tuple(_view(row, now) for row in rows[:limit])
    return JobPage(views, lookups.encode_cursor(views[-1].job_id) if len(rows) > limit else None)


def file_path(job: JobView, name: str) -> Path:
    """The file `name` of a succeeded job: only a name the export produced (no path of the caller's making)."""
    if job.status != SUCCEEDED:
        detail = "it has no files" if job.status == FAILED else "its files are there once it has succeeded"
        raise Conflict(f"export job {job.job_id} is {job.status}; {detail}")
    if name not in job.files or job.directory is None:
        raise NotFound(f"export job {job.job_id} has no file '{name}'")
    path = job.directory / name
    if not path.resolve().is_relative_to(job.directory.resolve()) or not path.is_file():
        raise NotFound(f"the file '{name}' of export job {job.job_id} is no longer on the server")
    return path


def media_type(name: str) -> str:
    """The media type a file of the export is served with."""
    return MEDIA_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def export_root(engine: Engine) -> Path:
    """Where the jobs of the database behind `engine` write (see `edc.config.export_dir`)."""
    sqlite_file = engine.url.database if engine.dialect.name == "sqlite" else None
    return config.export_dir(sqlite_file)


def launch(engine: Engine, *, study: StudyDefinition, job_id: int, export: ExportFunction | None = None,
           root: Path | None = None) -> threading.Thread:
    """Run the job in a background thread (a no-op there when another launch already claimed it)."""
    worker = _Worker(engine, study, job_id, export or default_export(), root or export_root(engine))
    thread = threading.Thread(target=worker.run, name=f"edc-export-{job_id}", daemon=True)
    thread.start()
    return thread


def settle(engine: Engine, jobs: Iterable[JobView]) -> None:
    """Store as failed (interrupted) the jobs read as such, auditing `export.finish`; already settled ones stay."""
    for job in jobs:
        if job.stale:
            with engine.execution_options(**WRITE).begin() as conn:
                _store_interrupted(conn, job.job_id)


def default_export() -> ExportFunction:
    """The export a job runs unless told otherwise: `edc.app.exports.submission.export_study`."""
    return cast(ExportFunction, export_study)


class _Worker:
    """One job's run: claim, export with progress and heartbeat, store the outcome."""

    def __init__(self, engine: Engine, study: StudyDefinition, job_id: int, export: ExportFunction,
                 root: Path) -> None:
        self.engine, self.study, self.job_id, self.export = engine, study, job_id, export
        self.directory = root / study.id / f"{job_id}-{uuid.uuid4().hex[:8]}"
        self.last_write, self.last_done = 0.0, -1

    def run(self) -> None:
        with _LIVE_LOCK:
            _LIVE.add(self.job_id)
        try:
            formats = self._claim()
            if formats is not None:
                self._run(formats)
        except Exception:  # a worker thread has no caller to raise to; the job shows failed (interrupted)
            log.exception("export job %s could not be run", self.job_id)
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(self.job_id)

    def _run(self, formats: tuple[str, ...]) -> None:
        stop = threading.Event()
        beat = threading.Thread(target=self._beat, args=(stop,), name=f"edc-export-{self.job_id}-beat", daemon=True)
        beat.start()
        try:
            outcome = self._export(formats)
        finally:
            stop.set()
        self._finish(**outcome)

    def _export(self, formats: tuple[str, ...]) -> dict[str, Any]:
        try:
            result = self.export(self.engine, self.study, self.directory, formats=formats,
                                 created=datetime.now(UTC), progress=self.progress)
            return {"status": SUCCEEDED, "rows": {str(k): int(v) for k, v in result.rows.items()},
                    "files": _names(Path(result.directory), result.files), "directory": str(result.directory)}
        except SubmissionInvalid as invalid:
            return _refused(invalid.failures)
        except Exception as exc:
            log.exception("export job %s failed", self.job_id)
            return {"status": FAILED, "error": f"the export failed unexpectedly ({type(exc).__name__}); "
                                               "the server log has the details"}

    def _claim(self) -> tuple[str, ...] | None:
        """queued -> running by this process; None when the job is not queued (claimed or finished already)."""
        now = datetime.now(UTC)
        with self.engine.execution_options(**WRITE).begin() as conn:
            claimed = conn.execute(update(ExportJob).where(ExportJob.id == self.job_id, ExportJob.status == QUEUED)
                                   .values(status=RUNNING, runner=INSTANCE, started_at=now, heartbeat_at=now,
                                           directory=str(self.directory)).returning(ExportJob.formats)).first()
        return None if claimed is None else tuple(claimed.formats)

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
                conn.execute(update(ExportJob).where(ExportJob.id == self.job_id, ExportJob.status == RUNNING,
                                                     ExportJob.runner == INSTANCE)
                             .values(heartbeat_at=datetime.now(UTC), **values))
        except SQLAlchemyError:
            log.warning("export job %s: progress not recorded", self.job_id, exc_info=True)

    def _finish(self, *, status: str, **values: Any) -> None:
        now = datetime.now(UTC)
        with self.engine.execution_options(**WRITE).begin() as conn:
            done = conn.execute(update(ExportJob).where(ExportJob.id == self.job_id, ExportJob.status == RUNNING,
                                                        ExportJob.runner == INSTANCE)
                                .values(status=status, finished_at=now, heartbeat_at=now, **values)).rowcount
            if done == 1:
                _audit_finish(conn, self.job_id, status, values.get("error"), now)


def _refused(failures: Sequence[Failure]) -> dict[str, Any]:
    kept = [_failure(f) for f in failures[:MAX_FAILURES]]
    more = f" (the first {MAX_FAILURES} are listed)" if len(failures) > MAX_FAILURES else ""
    return {"status": FAILED, "failures": kept,
            "error": f"the data fail SDTM validation: {len(failures)} failure(s){more}; nothing was written"}


def _failure(failure: Failure) -> dict[str, object]:
    return {"domain": failure.domain, "variable": failure.variable, "usubjid": failure.usubjid,
            "value": _plain(failure.value), "message": failure.message, "row": failure.row}


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def _names(directory: Path, files: Iterable[Path]) -> list[str]:
    """The files as names relative to the job's directory."""
    return [(Path(f) if Path(f).is_absolute() else directory / f).relative_to(directory).as_posix() for f in files]


def _store_interrupted(conn: Connection, job_id: int) -> None:
    now = datetime.now(UTC)
    row = conn.execute(_select().where(ExportJob.id == job_id)).one()
    if not _gone(row, now):
        return
    conn.execute(update(ExportJob).where(ExportJob.id == job_id).values(status=FAILED, finished_at=now,
                                                                        error=INTERRUPTED))
    _audit_finish(conn, job_id, FAILED, INTERRUPTED, now)


def _audit_finish(conn: Connection, job_id: int, status: str, error: object, now: datetime) -> None:
    job = conn.execute(select(ExportJob.study_id, ExportJob.requested_by, ExportJob.requested_role)
                       .where(ExportJob.id == job_id)).one()
    audit.append(conn, action="export.finish", occurred_at=now, user_id=job.requested_by, role=job.requested_role,
                 study_id=job.study_id, item="export", old_value=RUNNING, new_value=status,
                 reason=f"export {job_id}" + (f": {error}" if error else ""))


def _gone(row: Row[Any], now: datetime) -> bool:
    """True when the unfinished job has nobody running it any more."""
    if row.status not in UNFINISHED:
        return False
    if row.runner is None:  # never claimed: its launch should have followed the request at once
        return now - stored_utc(row.requested_at) > STALE
    if row.runner == INSTANCE:
        with _LIVE_LOCK:
            return row.id not in _LIVE
    host, _, rest = str(row.runner).partition(":")
    pid = rest.partition(":")[0]
    if host == HOST and pid.isdigit() and (int(pid) == PID or not _alive(int(pid))):
        return True  # this process restarted (same pid, new instance) or that process died
    return row.heartbeat_at is None or now - stored_utc(row.heartbeat_at) > STALE


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _select() -> Any:
    return (select(ExportJob.id, ExportJob.study_id, User.username, ExportJob.requested_at, ExportJob.status,
                   ExportJob.formats, ExportJob.runner, ExportJob.heartbeat_at, ExportJob.started_at,
                   ExportJob.finished_at, ExportJob.progress_dataset, ExportJob.progress_step,
                   ExportJob.progress_done, ExportJob.progress_total, ExportJob.rows, ExportJob.files,
                   ExportJob.failures, ExportJob.error, ExportJob.directory)
            .join(User, User.id == ExportJob.requested_by))


def _view(row: Row[Any], now: datetime) -> JobView:
    stale = _gone(row, now)
    return JobView(
        job_id=int(row.id), study_id=row.study_id, requested_by=row.username,
        requested_at=stored_utc(row.requested_at), status=FAILED if stale else row.status,
        formats=tuple(row.formats), started_at=_utc(row.started_at), finished_at=_utc(row.finished_at),
        progress=ProgressView(row.progress_dataset, row.progress_step, int(row.progress_done), row.progress_total),
        rows=row.rows, files=tuple(row.files or ()), failures=tuple(row.failures or ()),
        error=INTERRUPTED if stale else row.error, directory=Path(row.directory) if row.directory else None,
        stale=stale)


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else stored_utc(moment)
