"""Export jobs, the use cases: a data manager requests an export, anyone allowed reads and lists the jobs.

A job writes the SDTM formats asked for (with define.xml) and, with the
format `odm`, the study's ODM 1.3.2 file; a window (changed since / until)
bounds the ODM file only, so it is refused beside an SDTM format.

`request_export` stores a queued job and audits `export.start` in the
caller's transaction; once that is committed, the route launches it
(`edc.app.exports.worker.launch`). Reads only read: a job whose runner is
gone shows as failed, interrupted (`edc.app.exports.jobs.job_view`), and the
worker side stores that (`edc.app.exports.worker.sweep`). The files of a
succeeded job are served by name only, never by a path of the caller's
making; the server directory is never shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from edc import audit
from edc.app.coding import service as coding
from edc.app.exports import job_store
from edc.app.exports.job_export import JOB_FORMATS
from edc.app.exports.jobs import FAILED, QUEUED, SUCCEEDED, JobPage, JobView, job_view
from edc.app.exports.odm import check_window
from edc.app.exports.odm_store import UNBOUNDED, Window
from edc.app.kernel import cursors, idempotency
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import Conflict, NotFound, UncodedTerms, ValidationFailed
from edc.capture.payload import ItemError
from edc.definitions.catalog import StudyDefinition
from edc.definitions.coding import DICTIONARIES
from edc.export.formats import FORMATS

MEDIA_TYPES = {".xpt": "application/octet-stream", ".json": "application/json", ".csv": "text/csv",
               ".xml": "application/xml"}


def checked_formats(formats: Sequence[str] | None, window: Window = UNBOUNDED) -> tuple[str, ...]:
    """The formats asked for (the SDTM FORMATS when None); ValidationFailed naming each bad entry, and a window
    asked for beside an SDTM format."""
    chosen = FORMATS if formats is None else tuple(formats)
    errors = [ItemError(f"formats[{i}]", f"not a format; one of {', '.join(JOB_FORMATS)}", value)
              for i, value in enumerate(chosen) if value not in JOB_FORMATS]
    errors += [ItemError(f"formats[{i}]", "given twice", value)
               for i, value in enumerate(chosen) if value in JOB_FORMATS and value in chosen[:i]]
    if not chosen:
        errors.append(ItemError("formats", f"name at least one format of {', '.join(JOB_FORMATS)}", []))
    bounded = [(name, moment) for name, moment in (("changed_since", window.since), ("changed_until", window.until))
               if moment is not None]
    if bounded and set(chosen) & set(FORMATS):
        errors += [ItemError(name, 'bounds the ODM export only: ask for the formats ["odm"] alone',
                             moment.isoformat()) for name, moment in bounded]
    if errors:
        raise ValidationFailed(errors)
    check_window(window)
    return chosen


def request_export(conn: Connection, *, study: StudyDefinition, actor: Actor, formats: Sequence[str] | None,
                   now: datetime, idempotency_key: str | None = None, allow_uncoded: bool = False,
                   window: Window = UNBOUNDED) -> JobView:
    """Store a queued export job of `study` and audit `export.start`; launch it once this is committed. A retry
    with the same Idempotency-Key returns the first job.

    A site-restricted data manager's job exports the subjects of their sites only (the trial design datasets
    are the study's); a study-wide grant exports every subject. Verbatim terms not coded refuse an SDTM
    request (UncodedTerms naming each) unless `allow_uncoded`; the job checks again when it runs (ODM carries
    the verbatim terms only, so an ODM-only job does not ask).
    """
    return idempotency.once(
        conn, actor=actor, key=idempotency_key, resource="export", now=now,
        request={"study": study.id, "formats": None if formats is None else list(formats),
                 "allow_uncoded": allow_uncoded, "changed_since": _iso(window.since),
                 "changed_until": _iso(window.until)},
        create=lambda: _queue(conn, study, actor, formats, now, allow_uncoded, window), ident=lambda job: job.job_id,
        read=lambda job_id: read_job(conn, study_id=study.id, job_id=job_id, actor=actor, now=now))


#: The uncoded terms a refused export request names (the detail gives the full count).
MAX_LISTED = 100


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _queue(conn: Connection, study: StudyDefinition, actor: Actor, formats: Sequence[str] | None,
           now: datetime, allow_uncoded: bool, window: Window) -> JobView:
    chosen = checked_formats(formats, window)
    sdtm = set(chosen) & set(FORMATS)
    uncoded = [] if allow_uncoded or not sdtm else coding.uncoded_terms(conn, study, actor.site_ids)
    if uncoded:
        raise UncodedTerms(
            f"{len(uncoded)} verbatim term(s) are not coded: code them in the coding queue, or export with "
            "allow_uncoded (their dictionary variables stay null)",
            [ItemError(_path(t.place), f"not coded with {DICTIONARIES[t.dictionary]}", t.verbatim)
             for t in uncoded[:MAX_LISTED]])
    job_id = job_store.insert_job(conn, study_id=study.id, actor=actor, formats=chosen, now=now,
                                  allow_uncoded=allow_uncoded, window=window)
    audit.append(conn, action="export.start", occurred_at=now, user_id=actor.user_id, role=actor.role,
                 study_id=study.id, item="export", old_value=None, new_value=QUEUED,
                 reason=f"export {job_id}: {', '.join(chosen)}" + ("; uncoded terms allowed" if allow_uncoded else ""))
    return read_job(conn, study_id=study.id, job_id=job_id, actor=actor, now=now)


def _path(where: coding.TermPlace) -> str:
    """Where a term is, as the record's path names it: subject/visit/occurrence/form/seq/item."""
    return f"{where.subject_number}/{where.visit_code}/{where.occurrence}/{where.form_id}/{where.seq}/{where.item}"


def read_job(conn: Connection, *, study_id: str, job_id: int, actor: Actor, now: datetime) -> JobView:
    """One export job of the study the actor sees whole; NotFound for another study's, an unknown one or one
    covering sites the actor does not see (answered exactly alike). Writes nothing."""
    row = job_store.job_row(conn, study_id=study_id, job_id=job_id)
    job = None if row is None else job_view(row, now)
    if job is None or not job.seen_by(actor):
        raise NotFound(f"study '{study_id}' has no export job {job_id}")
    return job


def list_jobs(conn: Connection, *, study_id: str, actor: Actor, now: datetime, limit: int = 50,
              cursor: str | None = None) -> JobPage:
    """The study's export jobs the actor sees whole, newest first, one page and the cursor of the next."""
    views: list[JobView] = []
    bound = cursors.binding("export_jobs", study=study_id)
    before = cursors.decode_cursor(conn, cursor, bound)
    while len(views) <= limit:  # jobs of other sites are skipped, so a page may take several reads
        rows = job_store.job_rows(conn, study_id=study_id, before=before, limit=limit + 1)
        views += [view for row in rows if (view := job_view(row, now)).seen_by(actor)]
        if len(rows) <= limit:
            break
        before = int(rows[-1].id)
    page = tuple(views[:limit])
    return JobPage(page, cursors.encode_cursor(conn, page[-1].job_id, bound) if len(views) > limit else None)


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
