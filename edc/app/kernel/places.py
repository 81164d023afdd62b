"""Where captured data sit: the ids that every effect of a change and every audit event of it name."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordPlace:
    """A form record with its study, site, subject, visit and form: resolved once, passed to every effect."""

    study_id: str
    site_id: int
    subject_id: int
    visit_id: int
    record_id: int
    form_id: str
