"""The audit trail for monitors: filtered, cursor-paginated JSON, a CSV download, the anchor log's checkpoints
and Merkle proofs against them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Stream
from msgspec import Struct

from edc import config
from edc.app.kernel.context import acting, app_state, next_link
from edc.app.kernel.permissions import Permission
from edc.app.trail.proofs import anchor_page, consistency, inclusion
from edc.app.trail.service import AuditFilter, iter_csv, list_events
from edc.audit.checkpoints import Entry, entry_tag


class AuditEventOut(Struct, kw_only=True):
    id: int
    occurred_at: datetime
    action: str
    username: str | None
    role: str | None
    site: str | None
    subject_number: str | None
    record_id: int | None
    form_id: str | None
    item: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None
    hash: str


class AuditPageOut(Struct, kw_only=True):
    items: list[AuditEventOut]
    next: str | None = None


class AnchorEntryOut(Struct, kw_only=True, omit_defaults=True):
    """A signed checkpoint (`kind` "checkpoint") or key rotation ("rotation"), exactly as the anchor log holds it."""

    kind: str
    seq: int
    prev: str
    signed_at: str
    key: str
    signature: str
    event_id: int | None = None
    event_hash: str | None = None
    event_count: int | None = None
    merkle_root: str | None = None
    new_key: str | None = None
    new_public_key: str | None = None


class AnchorPageOut(Struct, kw_only=True):
    items: list[AnchorEntryOut]
    next: str | None = None


class InclusionProofOut(Struct, kw_only=True):
    event_id: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root: str
    path: list[str]


class ConsistencyProofOut(Struct, kw_only=True):
    first: int
    second: int
    first_root: str
    second_root: str
    path: list[str]


class AuditController(Controller):
    path = "/api/v1/studies/{study_id:str}/audit"
    tags = ("audit",)

    @get("/", sync_to_thread=True)
    def list_audit(self, request: Request[Any, Any, Any], study_id: FromPath[str], site: FromQuery[str | None] = None,
                   subject: FromQuery[str | None] = None, record_id: FromQuery[int | None] = None,
                   form: FromQuery[str | None] = None, item: FromQuery[str | None] = None,
                   user: FromQuery[str | None] = None, action: FromQuery[str | None] = None,
                   since: FromQuery[datetime | None] = None, until: FromQuery[datetime | None] = None,
                   limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
                   cursor: FromQuery[str | None] = None) -> AuditPageOut:
        """Audit events of the study in chain order, filtered; `next` links the following page."""
        criteria = AuditFilter(study_id=study_id, site_code=site, subject_number=subject, record_id=record_id,
                               form_id=form, item=item, username=user, action=action, since=since, until=until)
        with acting(request, study_id, Permission("audit.read")) as scope:
            page = list_events(scope.conn, criteria=criteria, actor=scope.actor, limit=limit, cursor=cursor)
        following = None
        if page.next_cursor is not None:
            following = next_link(request, page.next_cursor)
        return AuditPageOut(items=[_event_out(e) for e in page.events], next=following)

    @get("/csv", sync_to_thread=True, media_type="text/csv")
    def download(self, request: Request[Any, Any, Any], study_id: FromPath[str], site: FromQuery[str | None] = None,
                 subject: FromQuery[str | None] = None, form: FromQuery[str | None] = None,
                 item: FromQuery[str | None] = None, user: FromQuery[str | None] = None,
                 action: FromQuery[str | None] = None, since: FromQuery[datetime | None] = None,
                 until: FromQuery[datetime | None] = None) -> Response[Any]:
        """The filtered audit trail as CSV, streamed page by page."""
        criteria = AuditFilter(study_id=study_id, site_code=site, subject_number=subject, form_id=form, item=item,
                               username=user, action=action, since=since, until=until)
        with acting(request, study_id, Permission("audit.read")) as scope:  # refuse before the stream starts
            actor = scope.actor
        engine = app_state(request).engine

        def rows() -> Iterator[str]:  # the actor authenticated and authorised above, once
            with engine.connect() as conn:
                yield from iter_csv(conn, criteria=criteria, actor=actor)

        filename = f"audit-{study_id}.csv"
        return Stream(rows(), media_type="text/csv; charset=utf-8",
                      headers={"Content-Disposition": f'attachment; filename="{filename}"'})


    @get("/checkpoints", sync_to_thread=True)
    def checkpoints(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                    after: Annotated[int, QueryParameter(ge=0)] = 0,
                    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100) -> AnchorPageOut:
        """The anchor log's signed checkpoints and key rotations after the first `after`, in log order,
        to keep a copy for `edc audit verify --anchors`; `next` links the following page."""
        with acting(request, study_id, Permission("audit.read")):
            entries, more = anchor_page(config.audit_anchor_log(), after=after, limit=limit)
        following = _after_link(request, entries[-1].seq) if more else None
        return AnchorPageOut(items=[_anchor_out(entry) for entry in entries], next=following)

    @get("/events/{event_id:int}/proof", sync_to_thread=True)
    def inclusion_proof(self, request: Request[Any, Any, Any], study_id: FromPath[str], event_id: FromPath[int],
                        tree_size: Annotated[int, QueryParameter(ge=1)]) -> InclusionProofOut:
        """The Merkle audit path (RFC 6962) of the event in the tree of the first `tree_size` events: check it
        against the `merkle_root` of the signed checkpoint with that `event_count`."""
        with acting(request, study_id, Permission("audit.read")) as scope:
            proof = inclusion(scope.conn, study_id=study_id, actor=scope.actor, event_id=event_id,
                              tree_size=tree_size)
        return InclusionProofOut(event_id=proof.event_id, leaf_index=proof.leaf_index, tree_size=proof.tree_size,
                                 leaf_hash=proof.leaf_hash, root=proof.root, path=list(proof.path))

    @get("/consistency", sync_to_thread=True)
    def consistency_proof(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                          first: Annotated[int, QueryParameter(ge=1)],
                          second: Annotated[int, QueryParameter(ge=1)]) -> ConsistencyProofOut:
        """The proof (RFC 6962) that the tree of the first `first` events is a prefix of the tree of the first
        `second`: two signed checkpoints of one trail that was only appended to."""
        with acting(request, study_id, Permission("audit.read")) as scope:
            proof = consistency(scope.conn, first=first, second=second)
        return ConsistencyProofOut(first=proof.first, second=proof.second, first_root=proof.first_root,
                                   second_root=proof.second_root, path=list(proof.path))


def _anchor_out(entry: Entry) -> AnchorEntryOut:
    return AnchorEntryOut(kind=entry_tag(entry), **msgspec.structs.asdict(entry))


def _after_link(request: Request[Any, Any, Any], after: int) -> str:
    query = {key: value for key, value in request.query_params.items() if key != "after"}
    query["after"] = str(after)
    return str(request.url.with_replacements(query=urlencode(query)))


def _event_out(event: Any) -> AuditEventOut:
    return AuditEventOut(id=event.id, occurred_at=event.occurred_at, action=event.action, username=event.username,
                         role=event.role, site=event.site_code, subject_number=event.subject_number,
                         record_id=event.record_id, form_id=event.form_id, item=event.item,
                         old_value=event.old_value, new_value=event.new_value, reason=event.reason, hash=event.hash)
