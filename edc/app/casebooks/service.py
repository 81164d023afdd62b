"""Gathering a subject's casebook (or every casebook of a site) and rendering it as PDF, or a site's as a zip.

Read-only, inside the caller's transaction. Every part is read through the
feature that owns it — records, queries, SDV, signatures, the audit trail —
with the caller's actor, so their site scoping holds here too: a subject or
site the actor does not see is NotFound, exactly like a missing one.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection

from edc.app.casebooks import store
from edc.app.casebooks.content import (
    AuditLine,
    Casebook,
    FindingLine,
    FormEntry,
    ItemLine,
    MessageLine,
    QueryEntry,
    SignatureLine,
    VisitEntry,
    content_sha256,
)
from edc.app.casebooks.render import render
from edc.app.kernel import lookups
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import NotFound
from edc.app.queries import service as queries
from edc.app.records import service as records
from edc.app.sdv import service as sdv
from edc.app.signatures import service as signatures
from edc.app.trail import service as trail
from edc.app.visits import service as visits
from edc.definitions.catalog import StudyDefinition


@dataclass(frozen=True)
class Rendered:
    """A rendered casebook (PDF) or site's casebooks (zip): the bytes, the content's SHA-256 and a file name."""

    content: bytes
    sha256: str
    filename: str


def subject_casebook(conn: Connection, *, study: StudyDefinition, subject_number: str, actor: Actor,
                     now: datetime) -> Casebook:
    """Everything the subject's casebook shows, read as `actor` (NotFound for a subject it does not see)."""
    subject = lookups.find_subject(conn, study_id=study.id, subject_number=subject_number, actor=actor)
    site = store.site_by_id(conn, subject.site_id)
    audit_by_record = _audit_by_record(conn, study, subject_number, actor)
    query_by_place = _queries_by_place(conn, study, subject_number, actor, now)
    entries = tuple(_visit(conn, study, subject, info, actor, audit_by_record, query_by_place)
                    for info in visits.subject_visits(conn, study=study, subject_id=subject.subject_id))
    meta = study.spec.study
    return Casebook(
        study_id=study.id, protocol_id=meta.protocol_id, study_title=meta.title, site_code=site.code,
        site_name=site.name, subject_number=subject.subject_number, cohort=subject.cohort,
        dose_level=subject.dose_level, subject_status=subject.status,
        definition_versions=tuple(store.definition_versions(conn, subject.subject_id)), visits=entries,
        signatures=tuple(_signature(view) for view in signatures.subject_signatures(
            conn, study=study, subject_number=subject_number, actor=actor)),
        other_queries=tuple(q for place, found in query_by_place.items() if place[2] is None for q in found),
        subject_audit=tuple(audit_by_record.get(None, ())))


def casebook_pdf(conn: Connection, *, study: StudyDefinition, subject_number: str, actor: Actor,
                 now: datetime) -> Rendered:
    """The subject's casebook as PDF, its cover naming the content's SHA-256 and `now`."""
    casebook = subject_casebook(conn, study=study, subject_number=subject_number, actor=actor, now=now)
    digest = content_sha256(casebook)
    pdf = render(casebook, sha256=digest, generated_at=_at(now))
    return Rendered(pdf, digest, f"casebook-{study.id}-{subject_number}.pdf")


def site_casebooks_zip(conn: Connection, *, study: StudyDefinition, site_code: str, actor: Actor,
                       now: datetime) -> Rendered:
    """A zip of one casebook PDF per subject of the site (NotFound for a site the actor does not see); its hash
    is the SHA-256 of the subjects' "number sha256" lines, so unchanged data give the same one."""
    site = store.site_by_code(conn, study.id, site_code)
    if site is None or not actor.sees(site.site_id):  # another site's answers like a missing one
        raise NotFound(f"study '{study.id}' has no site '{site_code}'")
    buffer, lines = io.BytesIO(), []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number in _site_subjects(conn, study, site.code, actor):
            rendered = casebook_pdf(conn, study=study, subject_number=number, actor=actor, now=now)
            archive.writestr(rendered.filename, rendered.content)
            lines.append(f"{number} {rendered.sha256}\n")
    digest = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
    return Rendered(buffer.getvalue(), digest, f"casebooks-{study.id}-{site.code}.zip")


def _site_subjects(conn: Connection, study: StudyDefinition, site_code: str, actor: Actor) -> Iterator[str]:
    cursor: str | None = None
    while True:
        page = lookups.list_subjects(conn, study_id=study.id, actor=actor, site_code=site_code, limit=500,
                                     cursor=cursor)
        yield from (row.subject_number for row in page.subjects)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


_Place = tuple[str | None, int | None, str | None, int | None]  # visit code, occurrence, form, seq


def _visit(conn: Connection, study: StudyDefinition, subject: lookups.SubjectRow, info: visits.VisitInfo,
           actor: Actor, audit_by_record: dict[int | None, list[AuditLine]],
           query_by_place: dict[_Place, list[QueryEntry]]) -> VisitEntry:
    found = [(form_id, result) for form_id in records.forms_at_visit(study, info.visit_code, subject.cohort)
             for _seq, record_id in lookups.record_ids(conn, visit_id=info.visit_id, form_id=form_id)
             for result in (records.read_record(conn, study=study, record_id=record_id, actor=actor),)]
    marks = sdv.current_marks(conn, [result.record_id for _form, result in found])
    forms = tuple(_form(study, form_id, result, marks.get(result.record_id, set()),
                        tuple(audit_by_record.get(result.record_id, ())),
                        tuple(query_by_place.get((info.visit_code, info.occurrence, form_id, result.seq), ())))
                  for form_id, result in found)
    return VisitEntry(info.visit_code, info.occurrence, info.status,
                      None if info.visit_date is None else info.visit_date.isoformat(), forms)


def _form(study: StudyDefinition, form_id: str, result: records.RecordResult, verified: set[str],
          audit: tuple[AuditLine, ...], found_queries: tuple[QueryEntry, ...]) -> FormEntry:
    form = study.forms[form_id]
    items = tuple(ItemLine(item.name, item.label, _text(result.values.get(item.name)), item.unit,
                           item.name in verified) for item in form.items)
    withdrawal = result.withdrawal
    withdrawn = None if withdrawal is None else \
        f"{_at(withdrawal.withdrawn_at)} by {withdrawal.withdrawn_by}: {withdrawal.reason}"
    return FormEntry(form_id, form.title, result.seq, result.version, result.status, withdrawn, items,
                     tuple(FindingLine(f.check_id, f.severity, f.item, f.message) for f in result.findings),
                     found_queries, audit)


def _audit_by_record(conn: Connection, study: StudyDefinition, subject_number: str,
                     actor: Actor) -> dict[int | None, list[AuditLine]]:
    grouped: dict[int | None, list[AuditLine]] = defaultdict(list)
    criteria = trail.AuditFilter(study_id=study.id, subject_number=subject_number)
    cursor: str | None = None
    while True:
        page = trail.list_events(conn, criteria=criteria, actor=actor, limit=trail.MAX_LIMIT, cursor=cursor)
        for e in page.events:
            grouped[e.record_id].append(AuditLine(_at(e.occurred_at), e.action, e.username, e.role, e.item,
                                                  e.old_value, e.new_value, e.reason))
        if page.next_cursor is None:
            return grouped
        cursor = page.next_cursor


def _queries_by_place(conn: Connection, study: StudyDefinition, subject_number: str, actor: Actor,
                      now: datetime) -> dict[_Place, list[QueryEntry]]:
    grouped: dict[_Place, list[QueryEntry]] = defaultdict(list)
    cursor: str | None = None
    while True:
        page = queries.list_queries(conn, study=study, actor=actor, now=now, subject_number=subject_number,
                                    limit=500, cursor=cursor)
        for listed in page.queries:
            q = queries.read_query(conn, study=study, query_id=listed.query_id, actor=actor)
            grouped[(q.visit_code, q.occurrence, q.form_id, q.seq)].append(QueryEntry(
                q.query_id, q.item, q.origin, q.status, q.text, _messages(q.messages)))
        if page.next_cursor is None:
            return grouped
        cursor = page.next_cursor


def _messages(messages: Sequence[queries.Message]) -> tuple[MessageLine, ...]:
    return tuple(MessageLine(m.kind, m.status, m.text, m.user, _at(m.created_at)) for m in messages)


def _signature(view: signatures.SignatureView) -> SignatureLine:
    where = " ".join(part for part in (view.visit_code, None if view.occurrence is None else f"#{view.occurrence}",
                                       view.form_id, None if view.seq is None else f"#{view.seq}") if part)
    invalidated = None if view.invalidated_at is None else \
        f"{_at(view.invalidated_at)}: {view.invalidated_reason or ''}"
    return SignatureLine(view.scope, where or "subject", view.signer, view.signer_name, view.meaning,
                         _at(view.signed_at), view.valid, invalidated)


def _at(moment: datetime) -> str:
    """A time as ISO 8601 in UTC to the second (a naive one, as SQLite may return it, is UTC already)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def _text(value: object) -> str:
    """A value as captured, as text (empty when blank)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _at(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
