"""Request and response bodies of the records routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from msgspec import Struct

from edc.app.kernel.wire import Reason, Strict


class FindingOut(Struct, kw_only=True):
    check_id: str
    severity: str
    item: str | None
    message: str


class RecordLinkOut(Struct, kw_only=True):
    """The record a reference item names (e.g. the adverse event a DLT assessment assesses), and its URL."""

    form_id: str
    visit_code: str
    occurrence: int
    seq: int
    href: str


class WithdrawalOut(Struct, kw_only=True):
    """Who withdrew a record (username), when (UTC) and why."""

    withdrawn_by: str
    withdrawn_at: datetime
    reason: str


class RecordOut(Struct, kw_only=True):
    study_id: str
    subject_number: str
    visit_code: str
    occurrence: int
    form_id: str
    seq: int
    version: int
    values: dict[str, Any]
    findings: list[FindingOut]
    references: dict[str, RecordLinkOut | None] = {}
    status: str = "entered"
    withdrawal: WithdrawalOut | None = None


class CorrectionRequest(Strict):
    reason: Reason
    changes: dict[str, Any]


class WithdrawalRequest(Strict):
    """Withdraw a record entered in error: why (kept with it and in the audit trail)."""

    reason: Reason
