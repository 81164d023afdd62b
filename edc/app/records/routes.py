"""Form records at a visit: create (with Idempotency-Key), list, read (with ETag), correct (If-Match and reason),
withdraw when entered in error (If-Match, reason, Idempotency-Key).

One generic set of handlers serves every form; `edc.api.openapi` publishes
a typed copy of these paths for each form of each study. Each handler
resolves the subject and visit once and answers from what the service
returns.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from edc.app.kernel import lookups
from edc.app.kernel.context import Scope, acting
from edc.app.kernel.errors import NotFound, VersionMismatch
from edc.app.kernel.lookups import VisitContext
from edc.app.kernel.permissions import Permission
from edc.app.records.bodies import (
    CorrectionRequest,
    FindingOut,
    RecordLinkOut,
    RecordOut,
    WithdrawalOut,
    WithdrawalRequest,
)
from edc.app.records.service import RecordResult, correct_record, read_record, records_at, submit_record
from edc.app.records.values import json_value
from edc.app.records.withdrawal import withdraw_record

VISIT = "/{study_id:str}/subjects/{subject_number:str}/visits/{visit_code:str}/{occurrence:int}"
RECORDS = VISIT + "/forms/{form_id:str}"
RECORD = RECORDS + "/{seq:int}"


class RecordController(Controller):
    path = "/api/v1/studies"
    tags = ("records",)

    @post(RECORDS, status_code=HTTP_201_CREATED, sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
               visit_code: FromPath[str], occurrence: FromPath[int], form_id: FromPath[str],
               data: JSONBody[dict[str, Any]],
               idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None) -> Response[Any]:
        """Capture a record of the form at the visit; a retry with the same Idempotency-Key returns the first."""
        with acting(request, study_id, Permission("record.write"), write=True) as scope:
            visit = _visit(scope, subject_number, visit_code, occurrence, form_id)
            result = submit_record(scope.conn, study=scope.study, visit=visit, form_id=form_id, payload=data,
                                   actor=scope.actor, now=scope.now, idempotency_key=idempotency_key)
        out = _record_out(scope, visit, form_id, result)
        location = _href(scope, visit.subject_number, visit_code, occurrence, form_id, out.seq)
        return Response(out, status_code=HTTP_201_CREATED, headers={"Location": location, "ETag": etag(out.version)})

    @get(RECORDS, sync_to_thread=True)
    def list_records(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                     visit_code: FromPath[str], occurrence: FromPath[int], form_id: FromPath[str],
                     status: Annotated[str | None, QueryParameter(
                         max_length=16, description="Only the records of this status: entered or withdrawn.")] = None,
                     ) -> list[RecordOut]:
        """Every record of the form at the visit (one for a visit form, the entries of a log form), withdrawn ones
        with their status unless `status` asks for one."""
        with acting(request, study_id, Permission("record.read")) as scope:
            visit = _visit(scope, subject_number, visit_code, occurrence, form_id)
            found = records_at(scope.conn, study=scope.study, visit=visit, form_id=form_id, actor=scope.actor,
                               status=status)
        return [_record_out(scope, visit, form_id, result) for result in found]

    @get(RECORD, sync_to_thread=True)
    def read(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
             visit_code: FromPath[str], occurrence: FromPath[int], form_id: FromPath[str],
             seq: FromPath[int]) -> Response[RecordOut]:
        """One record with its values (calculated items included), its findings and its version as ETag."""
        with acting(request, study_id, Permission("record.read")) as scope:
            visit = _visit(scope, subject_number, visit_code, occurrence, form_id)
            record_id = lookups.find_record_id(scope.conn, visit_id=visit.visit_id, form_id=form_id, seq=seq)
            result = read_record(scope.conn, study=scope.study, record_id=record_id, actor=scope.actor)
        out = _record_out(scope, visit, form_id, result)
        return Response(out, headers={"ETag": etag(out.version)})

    @patch(RECORD, sync_to_thread=True)
    def correct(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                visit_code: FromPath[str], occurrence: FromPath[int], form_id: FromPath[str], seq: FromPath[int],
                data: JSONBody[CorrectionRequest],
                if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None) -> Response[RecordOut]:
        """Correct items of a record: If-Match with the ETag read (428 without, 412 when stale) and a reason."""
        expected = parse_if_match(if_match)
        with acting(request, study_id, Permission("record.write"), write=True) as scope:
            visit = _visit(scope, subject_number, visit_code, occurrence, form_id)
            record_id = lookups.find_record_id(scope.conn, visit_id=visit.visit_id, form_id=form_id, seq=seq)
            result = correct_record(scope.conn, study=scope.study, record_id=record_id, changes=data.changes,
                                    expected_version=expected, reason=data.reason, actor=scope.actor, now=scope.now)
        out = _record_out(scope, visit, form_id, result)
        return Response(out, headers={"ETag": etag(out.version)})


    @post(RECORD + "/withdrawal", status_code=HTTP_200_OK, sync_to_thread=True)
    def withdraw(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                 visit_code: FromPath[str], occurrence: FromPath[int], form_id: FromPath[str], seq: FromPath[int],
                 data: JSONBody[WithdrawalRequest],
                 if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
                 idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None,
                 ) -> Response[RecordOut]:
        """Withdraw a record entered in error, with a reason and If-Match as a correction: it is kept and shown as
        withdrawn, and counts nowhere; a retry with the same Idempotency-Key returns the first answer."""
        expected = parse_if_match(if_match)
        with acting(request, study_id, Permission("record.write"), write=True) as scope:
            visit = _visit(scope, subject_number, visit_code, occurrence, form_id)
            record_id = lookups.find_record_id(scope.conn, visit_id=visit.visit_id, form_id=form_id, seq=seq)
            result = withdraw_record(scope.conn, study=scope.study, record_id=record_id, expected_version=expected,
                                     reason=data.reason, actor=scope.actor, now=scope.now,
                                     idempotency_key=idempotency_key)
        out = _record_out(scope, visit, form_id, result)
        return Response(out, headers={"ETag": etag(out.version)})


def etag(version: int) -> str:
    """The ETag of a record version."""
    return f'"{version}"'


def parse_if_match(header: str | None) -> int | None:
    """The version an If-Match names (None when absent); a weak or foreign tag never matches (412)."""
    if header is None:
        return None
    tag = header.strip()
    if len(tag) >= 3 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
        return int(tag[1:-1])
    raise VersionMismatch(f"If-Match {header!r} does not name a version of this record")


def _visit(scope: Scope, subject_number: str, visit_code: str, occurrence: int, form_id: str) -> VisitContext:
    if form_id not in scope.study.forms:
        raise NotFound(f"study '{scope.study.id}' has no form '{form_id}'")
    return lookups.find_subject_visit(scope.conn, study_id=scope.study.id, subject_number=subject_number,
                                      visit_code=visit_code, occurrence=occurrence, actor=scope.actor)


def _record_out(scope: Scope, visit: VisitContext, form_id: str, result: RecordResult) -> RecordOut:
    findings = [FindingOut(check_id=f.check_id, severity=f.severity, item=f.item, message=f.message)
                for f in result.findings]
    form = scope.study.forms[form_id]
    references = {name: None if held is None else RecordLinkOut(
        form_id=str(item.refers_to), visit_code=held.visit_code, occurrence=held.occurrence, seq=held.seq,
        href=_href(scope, visit.subject_number, held.visit_code, held.occurrence, str(item.refers_to), held.seq))
        for name, held in result.references.items() if (item := form.item(name)) is not None}
    return RecordOut(study_id=scope.study.id, subject_number=visit.subject_number, visit_code=visit.visit_code,
                     occurrence=visit.occurrence, form_id=form_id, seq=result.seq, version=result.version,
                     values={name: json_value(value) for name, value in result.values.items()}, findings=findings,
                     references=references, status=result.status, withdrawal=_withdrawal_out(result))


def _withdrawal_out(result: RecordResult) -> WithdrawalOut | None:
    held = result.withdrawal
    if held is None:
        return None
    return WithdrawalOut(withdrawn_by=held.withdrawn_by, withdrawn_at=held.withdrawn_at, reason=held.reason)


def _href(scope: Scope, subject_number: str, visit_code: str, occurrence: int, form_id: str, seq: int) -> str:
    return (f"/api/v1/studies/{scope.study.id}/subjects/{subject_number}/visits/{visit_code}/{occurrence}"
            f"/forms/{form_id}/{seq}")
