"""Electronic signatures over HTTP: an investigator signs with the password again; anyone reading records sees them."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from edc.app.kernel.context import acting
from edc.app.kernel.errors import NotPermitted
from edc.app.kernel.permissions import Permission
from edc.app.signatures import service as signatures
from edc.app.signatures.bodies import SignatureOut, SignRequest

SIGNATURES = "/{study_id:str}/subjects/{subject_number:str}/signatures"


class SignatureController(Controller):
    path = "/api/v1/studies"
    tags = ("signatures",)

    @post(SIGNATURES, status_code=201, sync_to_thread=True)
    def sign(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
             data: JSONBody[SignRequest]) -> SignatureOut:
        """Sign a record, a visit or the casebook; a wrong password is refused (403) and counts as a failed login."""
        with acting(request, study_id, Permission("record.sign"), write=True) as scope:
            target = signatures.SignTarget(subject_number, data.scope, data.visit, data.occurrence, data.form,
                                           data.seq)
            outcome = signatures.sign(scope.conn, study=scope.study, target=target, password=data.password,
                                      meaning=data.meaning, actor=scope.actor, now=scope.now)
        # the refusal is committed (failure count, audit event) before it is answered
        if outcome.signature is None:
            raise NotPermitted(outcome.refused or "signature refused")
        return signature_out(outcome.signature)

    @get(SIGNATURES, sync_to_thread=True)
    def listing(self, request: Request[Any, Any, Any], study_id: FromPath[str],
                subject_number: FromPath[str]) -> list[SignatureOut]:
        """The subject's signatures, each checked against the data as they are now."""
        with acting(request, study_id, Permission("record.read")) as scope:
            return [signature_out(s) for s in signatures.subject_signatures(
                scope.conn, study=scope.study, subject_number=subject_number, actor=scope.actor)]


def signature_out(s: signatures.SignatureView) -> SignatureOut:
    """A signature as the API returns it."""
    return SignatureOut(id=s.signature_id, scope=s.scope, visit_code=s.visit_code, occurrence=s.occurrence,
                        form=s.form_id, seq=s.seq, signer=s.signer, signer_name=s.signer_name, meaning=s.meaning,
                        signed_at=s.signed_at, content_sha256=s.content_sha256, valid=s.valid,
                        invalidated_at=s.invalidated_at, invalidated_reason=s.invalidated_reason)
