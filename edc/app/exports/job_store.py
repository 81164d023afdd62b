"""The SQL of export jobs (`export_jobs`): store, read, claim, beat, finish, settle.

Every change of a job after its request is a conditional UPDATE, so that
several threads or server processes on one database never both act on a job:
claiming is queued -> running; progress, heartbeat and finishing apply only
to a job still running by this process (`INSTANCE`); settling an interrupted
job applies only while the row is still the unfinished one judged gone (same
status, runner and heartbeat). Callers audit and commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from edc.app.exports.jobs import FAILED, INSTANCE, INTERRUPTED, QUEUED, RUNNING, UNFINISHED, window_of
from edc.app.exports.odm_store import UNBOUNDED, Window
from edc.app.kernel.actor import Actor
from edc.db.core import User
from edc.db.jobs import ExportJob


def insert_job(conn: Connection, *, study_id: str, actor: Actor, formats: Sequence[str], now: datetime,
               allow_uncoded: bool = False, window: Window = UNBOUNDED) -> int:
    """Store a queued job; its id."""
    return int(conn.execute(insert(ExportJob).values(
        study_id=study_id, requested_by=actor.user_id, requested_role=actor.role, requested_at=now, status=QUEUED,
        formats=list(formats), progress_done=0, allow_uncoded=allow_uncoded, changed_since=window.since,
        changed_until=window.until,
        site_ids=None if actor.site_ids is None else sorted(actor.site_ids)).returning(ExportJob.id)).scalar_one())


def job_row(conn: Connection, *, study_id: str, job_id: int) -> Row[Any] | None:
    """The job `job_id` of the study (with its requester's username), None when there is none."""
    return conn.execute(_select().where(ExportJob.id == job_id, ExportJob.study_id == study_id)).one_or_none()


def job_rows(conn: Connection, *, study_id: str, before: int | None, limit: int) -> Sequence[Row[Any]]:
    """The study's jobs, newest first, at most `limit`, only those with an id below `before` when given."""
    statement = _select().where(ExportJob.study_id == study_id)
    if before:
        statement = statement.where(ExportJob.id < before)
    return conn.execute(statement.order_by(ExportJob.id.desc()).limit(limit)).all()


def unfinished_rows(conn: Connection, *, job_id: int | None = None) -> Sequence[Row[Any]]:
    """Every queued or running job (only `job_id` when given), oldest first."""
    statement = _select().where(ExportJob.status.in_(UNFINISHED))
    if job_id is not None:
        statement = statement.where(ExportJob.id == job_id)
    return conn.execute(statement.order_by(ExportJob.id)).all()


@dataclass(frozen=True)
class Claimed:
    """What a job claimed asks of its run: the formats, the sites (None: the whole study), uncoded terms allowed,
    the window of an ODM export."""

    formats: tuple[str, ...]
    site_ids: frozenset[int] | None
    allow_uncoded: bool
    window: Window = UNBOUNDED


def claim(conn: Connection, *, job_id: int, directory: str, now: datetime) -> Claimed | None:
    """queued -> running by this process; what it asks of the run, or None when the job is not queued any more."""
    claimed = conn.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == QUEUED)
                           .values(status=RUNNING, runner=INSTANCE, started_at=now, heartbeat_at=now,
                                   directory=directory)
                           .returning(ExportJob.formats, ExportJob.site_ids, ExportJob.allow_uncoded,
                                      ExportJob.changed_since, ExportJob.changed_until)).first()
    if claimed is None:
        return None
    return Claimed(tuple(claimed.formats), None if claimed.site_ids is None else frozenset(claimed.site_ids),
                   bool(claimed.allow_uncoded), window_of(claimed))


def beat(conn: Connection, *, job_id: int, now: datetime, **values: object) -> None:
    """Set the heartbeat (and `values`, the progress) of the job while this process runs it."""
    conn.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == RUNNING,
                                         ExportJob.runner == INSTANCE)
                 .values(heartbeat_at=now, **values))


def finish(conn: Connection, *, job_id: int, status: str, now: datetime, **values: object) -> bool:
    """Store the outcome of the job this process runs; False when it is not running here any more."""
    done = conn.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == RUNNING,
                                                ExportJob.runner == INSTANCE)
                        .values(status=status, finished_at=now, heartbeat_at=now, **values)).rowcount
    return bool(done == 1)


def settle_interrupted(conn: Connection, seen: Row[Any], now: datetime) -> bool:
    """Store the unfinished job `seen` (a row of `unfinished_rows`) as failed, interrupted.

    Only while the stored row is still as seen: unfinished, same status, runner
    and heartbeat. A runner that beat, finished or claimed it since, or another
    sweep that settled it first, leaves nothing to do: False.
    """
    done = conn.execute(update(ExportJob).where(
        ExportJob.id == seen.id, ExportJob.status.in_(UNFINISHED), ExportJob.status == seen.status,
        ExportJob.runner.is_not_distinct_from(seen.runner),
        ExportJob.heartbeat_at.is_not_distinct_from(seen.heartbeat_at),
    ).values(status=FAILED, finished_at=now, error=INTERRUPTED)).rowcount
    return bool(done == 1)


def requester(conn: Connection, job_id: int) -> Row[str, int, str]:
    """Who asked for the job: its study_id, requested_by and requested_role."""
    return conn.execute(select(ExportJob.study_id, ExportJob.requested_by, ExportJob.requested_role)
                        .where(ExportJob.id == job_id)).one()


def _select() -> Any:
    return (select(ExportJob.id, ExportJob.study_id, User.username, ExportJob.requested_at, ExportJob.status,
                   ExportJob.formats, ExportJob.runner, ExportJob.heartbeat_at, ExportJob.started_at,
                   ExportJob.finished_at, ExportJob.progress_dataset, ExportJob.progress_step,
                   ExportJob.progress_done, ExportJob.progress_total, ExportJob.rows, ExportJob.files,
                   ExportJob.failures, ExportJob.error, ExportJob.directory, ExportJob.site_ids,
                   ExportJob.allow_uncoded, ExportJob.changed_since, ExportJob.changed_until)
            .join(User, User.id == ExportJob.requested_by))

