"""What a casebook holds, as plain frozen dataclasses of text, and the SHA-256 of that content.

The service fills these from the features' read functions; the renderer
(`render`) turns them into a PDF and knows nothing of the database. Every
field is already text (times as ISO 8601 in UTC) so the hash is the same for
the same data whoever gathers it, and only `generated_at` is left out of it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class ItemLine:
    """One item of a record: its label, value as captured (empty when blank), unit and whether it is verified."""

    name: str
    label: str
    value: str
    unit: str | None
    verified: bool


@dataclass(frozen=True)
class FindingLine:
    """An edit-check finding of the record's current version."""

    check_id: str
    severity: str
    item: str | None
    message: str


@dataclass(frozen=True)
class MessageLine:
    """One step of a query's thread: who (None: the system), when, what and the status it left."""

    kind: str
    status: str
    text: str
    user: str | None
    at: str


@dataclass(frozen=True)
class QueryEntry:
    """A query with its thread."""

    query_id: int
    item: str | None
    origin: str
    status: str
    text: str
    messages: tuple[MessageLine, ...]


@dataclass(frozen=True)
class AuditLine:
    """One audit event: when, what, by whom in which role, and the old and new value with the reason."""

    at: str
    action: str
    username: str | None
    role: str | None
    item: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None


@dataclass(frozen=True)
class FormEntry:
    """One record of a form at a visit with its values, findings, queries and audit history."""

    form_id: str
    title: str
    seq: int
    version: int
    status: str
    withdrawal: str | None
    items: tuple[ItemLine, ...]
    findings: tuple[FindingLine, ...]
    queries: tuple[QueryEntry, ...]
    audit: tuple[AuditLine, ...]


@dataclass(frozen=True)
class VisitEntry:
    """A visit of the subject and the records captured at it."""

    visit_code: str
    occurrence: int
    status: str
    visit_date: str | None
    forms: tuple[FormEntry, ...]


@dataclass(frozen=True)
class SignatureLine:
    """An electronic signature: what it covers, who signed, its meaning and time, and whether it still holds."""

    scope: str
    covers: str
    signer: str
    signer_name: str
    meaning: str
    signed_at: str
    valid: bool
    invalidated: str | None


@dataclass(frozen=True)
class Casebook:
    """A subject's casebook: the cover's facts, the visits, the signatures and what belongs to no record."""

    study_id: str
    protocol_id: str
    study_title: str
    site_code: str
    site_name: str
    subject_number: str
    cohort: str | None
    dose_level: str | None
    subject_status: str
    definition_versions: tuple[str, ...]
    visits: tuple[VisitEntry, ...]
    signatures: tuple[SignatureLine, ...]
    other_queries: tuple[QueryEntry, ...]
    subject_audit: tuple[AuditLine, ...]


def content_sha256(casebook: Casebook) -> str:
    """The SHA-256 (hex) of the casebook's content as canonical JSON: sorted keys, no spaces, UTF-8."""
    text = json.dumps(dataclasses.asdict(casebook), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
