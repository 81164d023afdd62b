"""Medical coding over HTTP, for data managers: the study's dictionaries, the coding queue, decisions, queries.

Under `/api/v1/studies/{study}/coding`: `dictionaries` (GET; PUT
`dictionaries/{meddra|whodrug}` sets the study's release), `terms` (the
queue: uncoded terms by default), `terms/{id}` (with its version as ETag),
`terms/{id}/decision` (If-Match), `terms/{id}/queries` (a query to the site)
and `search` (entries of the study's release by name).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody

from edc.app.coding import dictionaries, dictionary_store
from edc.app.coding import service as coding
from edc.app.coding.bodies import (
    AtcOut,
    CodingDecisionOut,
    CodingDecisionRequest,
    DictionariesOut,
    EntryOut,
    LoadedReleaseOut,
    StudyReleaseOut,
    StudyReleaseRequest,
    TermList,
    TermOut,
    TermQueryRequest,
)
from edc.app.coding.dictionaries import StudyRelease
from edc.app.kernel.clock import stored_utc
from edc.app.kernel.context import acting
from edc.app.kernel.errors import NotFound
from edc.app.kernel.permissions import Permission
from edc.app.queries.bodies import QueryOut
from edc.app.queries.routes import query_out
from edc.app.records.routes import etag, parse_if_match
from edc.definitions.coding import DICTIONARIES

CODING = "/{study_id:str}/coding"
TERM = CODING + "/terms/{term_id:int}"
_MANAGE = Permission("coding.manage")


class CodingController(Controller):
    path = "/api/v1/studies"
    tags = ("coding",)

    @get(CODING + "/dictionaries", sync_to_thread=True)
    def dictionaries(self, request: Request[Any, Any, Any], study_id: FromPath[str]) -> DictionariesOut:
        """The release of each dictionary the study codes with, and every release loaded."""
        with acting(request, study_id, _MANAGE) as scope:
            used = dictionaries.study_releases(scope.conn, scope.study)
            loaded = dictionary_store.releases(scope.conn)
        return DictionariesOut(study=[_release_out(r) for _, r in sorted(used.items())], loaded=[
            LoadedReleaseOut(dictionary=r.kind, version=r.version, terms=r.terms, loaded_at=stored_utc(r.loaded_at))
            for r in loaded])

    @put(CODING + "/dictionaries/{dictionary:str}", sync_to_thread=True)
    def use(self, request: Request[Any, Any, Any], study_id: FromPath[str], dictionary: FromPath[str],
            data: JSONBody[StudyReleaseRequest]) -> StudyReleaseOut:
        """Set the release of the dictionary the study codes with (a study-wide grant): terms coded with another
        release move to this one or go back to the queue, and the queue is matched against it."""
        with acting(request, study_id, _MANAGE, write=True) as scope:
            if dictionary not in DICTIONARIES:
                raise NotFound(f"no dictionary '{dictionary}'; known: {', '.join(DICTIONARIES)}")
            used = dictionaries.use_release(scope.conn, study=scope.study, kind=dictionary, version=data.version,
                                            actor=scope.actor, now=scope.now)
        return _release_out(used)

    @get(CODING + "/terms", sync_to_thread=True)
    def terms(self, request: Request[Any, Any, Any], study_id: FromPath[str], status: FromQuery[str] = "uncoded",
              dictionary: FromQuery[str | None] = None, site: FromQuery[str | None] = None,
              subject: FromQuery[str | None] = None, limit: FromQuery[int] = 100,
              cursor: FromQuery[str | None] = None) -> TermList:
        """The coding queue at the caller's sites, oldest first: the uncoded terms (`status=coded` for the
        coded ones, `all` for both); filter by dictionary, site and subject."""
        with acting(request, study_id, _MANAGE) as scope:
            page = coding.list_terms(scope.conn, study=scope.study, actor=scope.actor,
                                     status=None if status == "all" else status, dictionary=dictionary,
                                     site_code=site, subject_number=subject, limit=max(1, min(limit, 500)),
                                     cursor=cursor)
        return TermList(items=[term_out(t) for t in page.terms], next=page.next_cursor)

    @get(TERM, sync_to_thread=True)
    def read(self, request: Request[Any, Any, Any], study_id: FromPath[str],
             term_id: FromPath[int]) -> Response[TermOut]:
        """One term, its decision and its version as ETag."""
        with acting(request, study_id, _MANAGE) as scope:
            term = coding.read_term(scope.conn, study=scope.study, term_id=term_id, actor=scope.actor)
        return Response(term_out(term), headers={"ETag": etag(term.version)})

    @post(TERM + "/decision", status_code=200, sync_to_thread=True)
    def decide(self, request: Request[Any, Any, Any], study_id: FromPath[str], term_id: FromPath[int],
               data: JSONBody[CodingDecisionRequest],
               if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None) -> Response[TermOut]:
        """Code the term (If-Match: the ETag read; 428 without, 412 when stale): an LLT that is current, or a
        drug and its ATC class; audited, and kept until the verbatim term is corrected."""
        expected = parse_if_match(if_match)
        with acting(request, study_id, _MANAGE, write=True) as scope:
            term = coding.decide(scope.conn, study=scope.study, term_id=term_id, code=data.code,
                                 atc_code=data.atc_code, expected_version=expected, reason=data.reason,
                                 actor=scope.actor, now=scope.now)
        return Response(term_out(term), headers={"ETag": etag(term.version)})

    @post(TERM + "/queries", status_code=201, sync_to_thread=True)
    def query(self, request: Request[Any, Any, Any], study_id: FromPath[str], term_id: FromPath[int],
              data: JSONBody[TermQueryRequest],
              idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None) -> QueryOut:
        """Raise a query to the site on the term's item; a retry with the same Idempotency-Key returns it."""
        with acting(request, study_id, _MANAGE, write=True) as scope:
            raised = coding.raise_query(scope.conn, study=scope.study, term_id=term_id, text=data.text,
                                        actor=scope.actor, now=scope.now, idempotency_key=idempotency_key)
        return query_out(raised)

    @get(CODING + "/search", sync_to_thread=True)
    def search(self, request: Request[Any, Any, Any], study_id: FromPath[str], dictionary: FromQuery[str],
               text: FromQuery[str], limit: FromQuery[int] = 20) -> list[EntryOut]:
        """Entries of the study's release whose name contains `text`, codable ones first."""
        with acting(request, study_id, _MANAGE) as scope:
            found = coding.search(scope.conn, study=scope.study, dictionary=dictionary, text=text,
                                  limit=max(1, min(limit, 100)))
        return [EntryOut(code=e.code, name=e.name, codable=e.codable, levels=_levels(e.levels),
                         atc=[AtcOut(code=c, text=t) for c, t in e.atc]) for e in found]


def term_out(term: coding.TermView) -> TermOut:
    """A term as the API returns it."""
    decision, where = term.decision, term.place
    return TermOut(
        id=term.term_id, site=where.site, subject_number=where.subject_number, visit_code=where.visit_code,
        occurrence=where.occurrence, form=where.form_id, seq=where.seq, item=where.item, dictionary=term.dictionary,
        verbatim=term.verbatim, status=term.status, version=term.version,
        decision=None if decision is None else CodingDecisionOut(
            version=decision.version, code=decision.code, name=decision.name, atc_code=decision.atc_code,
            method=decision.method, decided_by=decision.decided_by, decided_at=decision.decided_at,
            levels=_levels(decision.levels)))


def _release_out(release: StudyRelease) -> StudyReleaseOut:
    return StudyReleaseOut(dictionary=release.kind, version=release.version, set_at=release.set_at,
                           set_by=release.set_by)


def _levels(levels: dict[str, object] | Any) -> dict[str, str | int | None]:
    return {str(k): v if v is None or isinstance(v, int | str) else str(v) for k, v in levels.items()}
