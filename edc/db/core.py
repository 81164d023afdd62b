"""The core tables every deployment has, whatever the trials: studies, sites, users, subjects,
visits and form records; the naming convention and column types every table module shares.

The other tables live by concern: `decisions` (eligibility, DLT adjudication,
escalation), `monitoring` (queries, SDV, locks, signatures), `jobs` (export
jobs), `coding` (dictionaries and the coding of verbatim terms), `trail` (the
audit trail); `schema` gathers them all.

Form data itself lives in one typed table per form (see `formtables`); a
`form_records` row is the record's identity, status, version and the
definition version it was captured under.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from edc.definitions.vocabulary import ROLES

MAX_NAME = 63  # PostgreSQL's identifier limit; SQLite has none, so we keep to the stricter one.


def short_name(*parts: str) -> str:
    """Join parts into an identifier of at most 63 characters, hashing the tail when too long."""
    name = "_".join(parts)
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9]}_{digest}"


def _columns(constraint: Any, table: Any) -> str:
    return "_".join(c.name for c in constraint.columns)


NAMING: dict[str, Any] = {
    "pk_name": lambda c, t: short_name("pk", t.name),
    "fk_name": lambda c, t: short_name("fk", t.name, _columns(c, t)),
    "uq_name": lambda c, t: short_name("uq", t.name, _columns(c, t)),
    "ix_name": lambda c, t: short_name("ix", t.name, _columns(c, t)),
    "pk": "%(pk_name)s",
    "fk": "%(fk_name)s",
    "uq": "%(uq_name)s",
    "ix": "%(ix_name)s",
    # CHECK constraints are always named explicitly (see formtables), so they need no convention.
}

BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only
UtcDateTime = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Study(Base):
    __tablename__ = "studies"
    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    protocol_id: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DefinitionVersion(Base):
    """One loaded version of a study definition, kept whole so any record can be replayed."""

    __tablename__ = "definition_versions"
    __table_args__ = (UniqueConstraint("study_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    version: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("study_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    code: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoleAssignment(Base):
    """A user's role, for a study and optionally restricted to one site."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "study_id", "site_id"),
        CheckConstraint("role IN ('" + "', '".join(ROLES) + "')", name="role"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(32))
    study_id: Mapped[str | None] = mapped_column(ForeignKey("studies.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))


class ApiToken(Base):
    """A bearer token given at login, stored only as its SHA-256; valid until it expires or is revoked."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LoginThrottle(Base):
    """Failed logins of one account or one client address, and until when its logins must wait.

    `kind` is `account` (key: the SHA-256 of the typed username, known or not,
    so the table never holds typed text) or `address` (key: the client's
    address). Shared by every server on the database; see `edc.app.access.throttle`.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (CheckConstraint("kind IN ('account', 'address')", name="kind"),)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure: Mapped[datetime] = mapped_column(UtcDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


#: The name of the secret that signs page cursors (`edc.app.kernel.cursors`).
CURSOR_SECRET = "cursor"


class ServiceSecret(Base):
    """A secret every server process of the deployment shares, generated by the migration that made the row
    (hex of 32 random bytes), so no configuration is needed and no server generates its own."""

    __tablename__ = "service_secrets"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))


class Subject(Base):
    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("study_id", "subject_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    subject_number: Mapped[str] = mapped_column(String(20))
    cohort: Mapped[str | None] = mapped_column(String(8))
    dose_level: Mapped[str | None] = mapped_column(String(8))
    # True for the DLT-evaluable escalation cohorts, False for expansion subjects; None before assignment.
    dlt_evaluable: Mapped[bool | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    screened_on: Mapped[date] = mapped_column(Date)
    enrolled_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Visit(Base):
    """A subject's visit: scheduled (code from the definition), unscheduled, or the subject's logs."""

    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("subject_id", "visit_code", "occurrence"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    visit_code: Mapped[str] = mapped_column(String(8))
    occurrence: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12))
    planned_date: Mapped[date | None] = mapped_column(Date)
    visit_date: Mapped[date | None] = mapped_column(Date)


class FormRecord(Base):
    """The identity of one captured form; its values are the row of the form's own table.

    `status` is entered, or withdrawn (entered in error, `edc.definitions.vocabulary`): who withdrew it,
    when and why are kept with it (set exactly when it is withdrawn); the values row stays.
    """

    __tablename__ = "form_records"
    __table_args__ = (
        UniqueConstraint("visit_id", "form_id", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    form_id: Mapped[str] = mapped_column(String(24))
    seq: Mapped[int] = mapped_column(Integer, default=1)
    definition_version_id: Mapped[int] = mapped_column(ForeignKey("definition_versions.id"))
    form_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


class SubjectCounter(Base):
    """The last subject number given at a site, locked while the next is allocated: none repeats, none is skipped."""

    __tablename__ = "subject_counters"
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class RecordCounter(Base):
    """The last seq given to a form's records at a visit, locked while the next is allocated.

    Concurrent entries on one log (adverse events, medications) queue on this
    row instead of colliding on the (visit, form, seq) key: all of them are stored.
    """

    __tablename__ = "record_counters"
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), primary_key=True)
    form_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class RecordFinding(Base):
    """An edit-check finding stored with the record version that raised it."""

    __tablename__ = "record_findings"
    __table_args__ = (CheckConstraint("severity IN ('error', 'warning')", name="severity"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("form_records.id"), index=True)
    record_version: Mapped[int] = mapped_column(Integer)
    check_id: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(8))
    item: Mapped[str | None] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdempotencyKey(Base):
    """A creating request's Idempotency-Key: a retry returns the first result and stores nothing twice."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(100))
    request_sha256: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


