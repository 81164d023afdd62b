"""Identifier derivations: STUDYID, USUBJID (STUDYID-SUBJID), SUBJID, SITEID, COUNTRY and specimen ids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edc.definitions.catalog import StudyDefinition
from edc.export.sdtm.derivations.context import Derivation, RowContext
from edc.export.sdtm.subjectdata import SubjectData


def usubjid(study: StudyDefinition, subject: SubjectData) -> str:
    return subject_usubjid(study, subject.subject_number, subject.site)


def subject_usubjid(study: StudyDefinition, subject_number: str, site: str) -> str:
    """USUBJID of the subject `subject_number` of site `site`: STUDYID-SUBJID."""
    return f"{study.spec.study.protocol_id}-{site_number(subject_number, site)}"


def subjid(subject: SubjectData) -> str:
    return site_number(subject.subject_number, subject.site)


def site_number(number: str, site: str) -> str:
    """The subject number, which starts with the site code; one without it gets it."""
    return number if number.startswith(f"{site}-") else f"{site}-{number}"


def _site_country(context: RowContext, args: Mapping[str, Any]) -> object:
    return next((s.country for s in context.study.spec.sites if s.id == context.subject.site), None)


def _specimen_id(context: RowContext, args: Mapping[str, Any]) -> object:
    """A specimen the form names no identifier for (the leukapheresis product): SUBJID-<prefix>-<date of the
    `of` variable>, e.g. 101-001-LK-2026-01-05; stable across exports, as the collection date is."""
    collected = context.values.get(args["of"])
    if collected in (None, ""):
        return None
    return f"{subjid(context.subject)}-{args['prefix']}-{str(collected)[:10]}"


IDENTIFIERS: dict[str, Derivation] = {
    "studyid": lambda c, a: c.study.spec.study.protocol_id,
    "usubjid": lambda c, a: usubjid(c.study, c.subject),
    "subjid": lambda c, a: subjid(c.subject),
    "siteid": lambda c, a: c.subject.site,
    "country": _site_country,
    "seq": lambda c, a: c.seq,
    "specimen_id": _specimen_id,
}
