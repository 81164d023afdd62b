"""Who entered what, and who signed: the ODM AuditRecord, Signature, User and SignatureDef elements.

The reader gives plain facts (`Provenance`); this module only builds elements.
An ItemData carries the AuditRecord of its current value (ODM 1.3.2 allows
one per ItemData in a snapshot): who made the last change, when, at which
site, why (a correction's reason), and which audit event of the hash chain
it is (SourceID), so an inspector can follow it into the full trail. A valid
signature is a Signature on what it covers: a record's on its FormData, a
visit's on its StudyEventData, a casebook's on its SubjectData. The users
named and one SignatureDef per signature meaning are in AdminData.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from edc.export.odm import oids
from edc.export.odm.metadata import sub

AUDIT_SOURCE = "audit event"
"""SourceID prefix: the AuditRecord's event id in the project's audit trail."""


@dataclass(frozen=True)
class ItemAudit:
    """The audit event that set an item's current value."""

    event_id: int
    user: str
    at: datetime
    site: str
    reason: str | None = None


@dataclass(frozen=True)
class SignatureFact:
    """A valid electronic signature: by whom, when, with what meaning."""

    user: str
    at: datetime
    meaning: str


@dataclass(frozen=True)
class OdmUser:
    """A user named by an audit record or a signature."""

    username: str
    full_name: str


@dataclass(frozen=True)
class Provenance:
    """The audit and signature facts of an export, keyed as the clinical data are.

    `items` by (record id, item name); `record_signatures` by record id; `visit_signatures` by (subject key,
    visit code, occurrence); `casebook_signatures` by subject key.
    """

    items: Mapping[tuple[int, str], ItemAudit] = field(default_factory=dict)
    record_signatures: Mapping[int, SignatureFact] = field(default_factory=dict)
    visit_signatures: Mapping[tuple[str, str, int], SignatureFact] = field(default_factory=dict)
    casebook_signatures: Mapping[str, SignatureFact] = field(default_factory=dict)
    users: Mapping[str, OdmUser] = field(default_factory=dict)

    def meanings(self) -> list[str]:
        """Every signature meaning, sorted: one SignatureDef each."""
        signed: list[SignatureFact] = [*self.record_signatures.values(), *self.visit_signatures.values(),
                                       *self.casebook_signatures.values()]
        return sorted({s.meaning for s in signed})


def stamp(at: datetime) -> str:
    """An ODM DateTimeStamp: ISO 8601 in UTC, to the second."""
    return at.astimezone(UTC).isoformat(timespec="seconds")


def audit_record(parent: etree._Element, audit: ItemAudit) -> None:
    """The AuditRecord of an item's current value, under its ItemData."""
    record = sub(parent, "AuditRecord")
    sub(record, "UserRef", UserOID=oids.user(audit.user))
    sub(record, "LocationRef", LocationOID=oids.site(audit.site))
    sub(record, "DateTimeStamp").text = stamp(audit.at)
    if audit.reason:
        sub(record, "ReasonForChange").text = audit.reason
    sub(record, "SourceID").text = f"{AUDIT_SOURCE} {audit.event_id}"


def signature(parent: etree._Element, signed: SignatureFact, site: str, meanings: list[str]) -> None:
    """The Signature of what `parent` holds (FormData, StudyEventData or SubjectData)."""
    element = sub(parent, "Signature")
    sub(element, "UserRef", UserOID=oids.user(signed.user))
    sub(element, "LocationRef", LocationOID=oids.site(site))
    sub(element, "SignatureRef", SignatureOID=oids.signature_def(meanings.index(signed.meaning) + 1))
    sub(element, "DateTimeStamp").text = stamp(signed.at)


def users(admin: etree._Element, named: Iterable[OdmUser]) -> None:
    """A User per user named, in username order (AdminData holds them before the Locations)."""
    for user in sorted(named, key=lambda u: u.username):
        element = sub(admin, "User", OID=oids.user(user.username), UserType="Other")
        sub(element, "LoginName").text = user.username
        sub(element, "FullName").text = user.full_name


def signature_defs(admin: etree._Element, meanings: list[str]) -> None:
    """A SignatureDef per meaning (electronic signatures, 21 CFR Part 11), after the Locations."""
    for n, meaning in enumerate(meanings, 1):
        element = sub(admin, "SignatureDef", OID=oids.signature_def(n), Methodology="Electronic")
        sub(element, "Meaning").text = meaning
        sub(element, "LegalReason").text = ("An electronic signature under 21 CFR Part 11: the signer's "
                                            "password, re-entered at signing")
