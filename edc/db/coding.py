"""The tables of medical coding: the dictionary releases loaded, their terms, each study's versions, and the
coding of every verbatim term.

A release (`coding_dictionaries`) is loaded once and never changed; its
terms are `meddra_terms` (one row per lowest level term, with the primary
path of its preferred term) or `whodrug_terms` (one row per drug name). A
study uses one release of each dictionary (`study_dictionaries`). Every
verbatim term captured (AETERM, MHTERM, CMTRT) has one `coded_terms` row per
record and item: uncoded (in the data manager's queue) or coded, with the
release and code decided, how (automatically or by whom) and a version that
changes with every decision (If-Match).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from edc.db.core import Base, UtcDateTime

_KINDS = "kind IN ('meddra', 'whodrug')"


class CodingDictionary(Base):
    """One release of a dictionary as loaded from its distribution files (`edc coding load`)."""

    __tablename__ = "coding_dictionaries"
    __table_args__ = (UniqueConstraint("kind", "version"), CheckConstraint(_KINDS, name="coding_dictionary_kind"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    version: Mapped[str] = mapped_column(String(40))
    terms: Mapped[int] = mapped_column(Integer)
    files_sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MeddraTerm(Base):
    """A MedDRA lowest level term with its preferred term's primary path (the SOC SDTM's AEBODSYS names)."""

    __tablename__ = "meddra_terms"
    __table_args__ = (Index("ix_meddra_terms_dictionary_id_name_key", "dictionary_id", "name_key"),)
    dictionary_id: Mapped[int] = mapped_column(ForeignKey("coding_dictionaries.id"), primary_key=True)
    llt_code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    llt_name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    current: Mapped[bool] = mapped_column(Boolean)
    pt_code: Mapped[int] = mapped_column(Integer)
    pt_name: Mapped[str] = mapped_column(String(100))
    hlt_code: Mapped[int] = mapped_column(Integer)
    hlt_name: Mapped[str] = mapped_column(String(100))
    hlgt_code: Mapped[int] = mapped_column(Integer)
    hlgt_name: Mapped[str] = mapped_column(String(100))
    soc_code: Mapped[int] = mapped_column(Integer)
    soc_name: Mapped[str] = mapped_column(String(100))


class WhodrugTerm(Base):
    """A WHODrug drug name: its drug code, its record's preferred name and its ATC classes ([code, text], ...)."""

    __tablename__ = "whodrug_terms"
    __table_args__ = (Index("ix_whodrug_terms_dictionary_id_name_key", "dictionary_id", "name_key"),)
    dictionary_id: Mapped[int] = mapped_column(ForeignKey("coding_dictionaries.id"), primary_key=True)
    drug_code: Mapped[str] = mapped_column(String(11), primary_key=True)
    drug_name: Mapped[str] = mapped_column(String(1500))
    name_key: Mapped[str] = mapped_column(String(500))  # empty for a longer name: never matched
    preferred_name: Mapped[str] = mapped_column(String(1500))
    atc: Mapped[list[Any]] = mapped_column(JSON)


class StudyDictionary(Base):
    """The release of one dictionary a study codes with, as its data manager set it."""

    __tablename__ = "study_dictionaries"
    __table_args__ = (CheckConstraint(_KINDS, name="study_dictionary_kind"),)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    dictionary_id: Mapped[int] = mapped_column(ForeignKey("coding_dictionaries.id"))
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: an operator's command
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CodedTerm(Base):
    """The coding of one verbatim term (a record's item): uncoded, or coded with a release's code.

    `code` is the LLT code (MedDRA) or the drug code (WHODrug), `atc_code` the
    ATC class chosen for a drug; `method` is `auto` (an exact match, coded by
    the system) or `manual` (`decided_by`). A correction of the verbatim term
    re-opens it: uncoded again, the decision kept in the audit trail.
    """

    __tablename__ = "coded_terms"
    __table_args__ = (
        UniqueConstraint("record_id", "item"),
        Index("ix_coded_terms_study_id_status", "study_id", "status"),
        CheckConstraint("status IN ('uncoded', 'coded')", name="coded_term_status"),
        CheckConstraint(_KINDS, name="coded_term_kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    record_id: Mapped[int] = mapped_column(ForeignKey("form_records.id"))
    form_id: Mapped[str] = mapped_column(String(24))
    item: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(8))
    verbatim: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8))
    dictionary_id: Mapped[int | None] = mapped_column(ForeignKey("coding_dictionaries.id"))
    code: Mapped[str | None] = mapped_column(String(11))
    atc_code: Mapped[str | None] = mapped_column(String(7))
    method: Mapped[str | None] = mapped_column(String(8))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
