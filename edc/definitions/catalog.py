"""The loaded, frozen result: one `StudyDefinition` per trial, gathered in a `Catalog`.

A study definition bundles its metadata with the forms and codelists it
resolved (library or study-specific), the SDTM specs loaded and checked
against it (`edc.definitions.sdtm`), and a content hash. The hash, with the
version the YAML declares, identifies exactly which definition a stored form
record was captured under.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING

from edc.definitions.model import Codelist, Form, FormList, Item, ScheduledVisit, StudyFile
from edc.definitions.vocabulary import INFUSION_FORM, LOGS_VISIT, UNSCHEDULED_VISIT

if TYPE_CHECKING:
    from edc.definitions.sdtm.model import SpecSet


def content_hash(payload: object) -> str:
    """SHA-256 of the canonical JSON of `payload` (sorted keys, no whitespace)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class StudyDefinition:
    """Everything one trial is defined by, resolved and frozen."""

    spec: StudyFile
    forms: Mapping[str, Form]
    codelists: Mapping[str, Codelist]
    sdtm: SpecSet | None = field(default=None, compare=False, repr=False)
    """The SDTM specs for this study, loaded with it; None when the definitions have no exports folder.
    Not part of the content hash: the specs say how data are exported, not how they are captured."""

    @property
    def id(self) -> str:
        return self.spec.study.id

    @property
    def version(self) -> str:
        return self.spec.study.version

    @property
    def visits(self) -> tuple[ScheduledVisit, ...]:
        return self.spec.schedule.visits

    @cached_property
    def infusion_visit(self) -> str | None:
        """The code of the scheduled visit that collects the CAR-T infusion record (None without one)."""
        return next((v.id for v in self.visits if INFUSION_FORM in v.forms), None)

    @cached_property
    def _visits_by_id(self) -> dict[str, ScheduledVisit]:
        found: dict[str, ScheduledVisit] = {}
        for visit in self.visits:
            found.setdefault(visit.id, visit)
        return found

    def visit(self, visit_id: str) -> ScheduledVisit | None:
        """The scheduled visit `visit_id` (looked up by id: the export asks once per row)."""
        return self._visits_by_id.get(visit_id)

    @cached_property
    def _items(self) -> dict[tuple[str, str], Item]:
        found: dict[tuple[str, str], Item] = {}
        for form_id, form in self.forms.items():
            for item in form.items:
                found.setdefault((form_id, item.name), item)
        return found

    def form_item(self, form_id: str, name: str) -> Item | None:
        """Item `name` of form `form_id` (None for either unknown), as `Form.item` finds it but by key: the export
        asks for it once per row and cell."""
        return self._items.get((form_id, name))

    def form_list(self, visit_code: str) -> FormList | None:
        """The forms collected at a visit code: a scheduled visit's, the unscheduled visits' (UNS) or the logs'
        (LOGS); None for a code the schedule does not know."""
        if visit_code == LOGS_VISIT:
            return self.spec.schedule.logs
        if visit_code == UNSCHEDULED_VISIT:
            return self.spec.schedule.unscheduled
        return self.visit(visit_code)

    def collected_for(self, form_id: str) -> dict[str, tuple[str, ...] | None]:
        """Visit code -> the cohorts `form_id` is collected for there (None: every subject), where it is."""
        codes = [*(v.id for v in self.visits), UNSCHEDULED_VISIT, LOGS_VISIT]
        found: dict[str, tuple[str, ...] | None] = {}
        for code in codes:
            block = self.form_list(code)
            if block is not None and form_id in block.forms:
                found[code] = block.cohorts_of(form_id)
        return found

    def snapshot(self) -> dict[str, object]:
        """The canonical JSON form of this definition, as stored with each version."""
        return {
            "study": self.spec.model_dump(mode="json", exclude_none=True),
            "forms": {k: f.model_dump(mode="json", exclude_none=True) for k, f in sorted(self.forms.items())},
            "codelists": {k: c.model_dump(mode="json", exclude_none=True)
                          for k, c in sorted(self.codelists.items())},
        }

    @cached_property
    def sha256(self) -> str:
        """The content hash of the whole definition (computed once: the definition is frozen)."""
        return content_hash(self.snapshot())

    @cached_property
    def _form_hashes(self) -> dict[str, str]:
        return {form_id: content_hash(form.model_dump(mode="json", exclude_none=True))
                for form_id, form in self.forms.items()}

    def form_hash(self, form_id: str) -> str:
        """The content hash of one form's definition."""
        return self._form_hashes[form_id]

    def summary(self) -> str:
        meta = self.spec.study
        crit = self.spec.eligibility.criteria
        return (
            f"{meta.id} {meta.version} ({meta.protocol_id}): {len(self.spec.sites)} site(s), "
            f"{len(self.spec.dose_levels)} dose level(s), {len(self.visits)} visits, "
            f"{len(self.forms)} forms, {sum(len(f.items) for f in self.forms.values())} items, "
            f"{len(crit)} eligibility criteria"
        )


@dataclass(frozen=True)
class Catalog:
    """All studies loaded from one definitions folder."""

    studies: Mapping[str, StudyDefinition]

    @staticmethod
    def of(studies: list[StudyDefinition]) -> Catalog:
        return Catalog(MappingProxyType({s.id: s for s in sorted(studies, key=lambda s: s.id)}))

    def study(self, study_id: str) -> StudyDefinition:
        return self.studies[study_id]
