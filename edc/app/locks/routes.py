"""Freezing and locking over HTTP: data managers place and release locks; every write route refuses locked data."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, HeaderParameter, JSONBody

from edc.app.kernel.context import acting
from edc.app.kernel.permissions import Permission
from edc.app.locks import service as locks
from edc.app.locks.bodies import LockOut, LockRequest, ReleaseRequest

LOCKS = "/{study_id:str}/locks"


class LockController(Controller):
    path = "/api/v1/studies"
    tags = ("locks",)

    @get(LOCKS, sync_to_thread=True)
    def active(self, request: Request[Any, Any, Any], study_id: FromPath[str]) -> list[LockOut]:
        """The active freezes and locks of the study."""
        with acting(request, study_id, Permission("lock.manage")) as scope:
            return [lock_out(v) for v in locks.active_locks(scope.conn, scope.study.id, scope.actor)]

    @post(LOCKS, status_code=201, sync_to_thread=True)
    def place(self, request: Request[Any, Any, Any], study_id: FromPath[str], data: JSONBody[LockRequest],
              idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key")] = None) -> LockOut:
        """Freeze or lock the study, a subject, a visit or a record (409 when it already carries one); a retry
        with the same Idempotency-Key returns the lock the first request placed."""
        with acting(request, study_id, Permission("lock.manage"), write=True) as scope:
            target = locks.LockTarget(data.scope, data.subject, data.visit, data.occurrence, data.form, data.seq)
            return lock_out(locks.place(scope.conn, study=scope.study, target=target, state=data.state,
                                        actor=scope.actor, now=scope.now, idempotency_key=idempotency_key))

    @post(LOCKS + "/{lock_id:int}/release", status_code=204, sync_to_thread=True)
    def release(self, request: Request[Any, Any, Any], study_id: FromPath[str], lock_id: FromPath[int],
                data: JSONBody[ReleaseRequest]) -> None:
        """Release a lock, with the reason (audited)."""
        with acting(request, study_id, Permission("lock.manage"), write=True) as scope:
            locks.release_lock(scope.conn, study=scope.study, lock_id=lock_id, reason=data.reason, actor=scope.actor,
                               now=scope.now)


def lock_out(v: locks.LockView) -> LockOut:
    """A lock as the API returns it."""
    return LockOut(id=v.lock_id, scope=v.scope, state=v.state, subject_number=v.subject_number,
                   visit_code=v.visit_code, occurrence=v.occurrence, form=v.form_id, seq=v.seq,
                   created_by=v.created_by, created_at=v.created_at)
