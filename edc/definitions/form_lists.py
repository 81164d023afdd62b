"""The forms a visit (or the unscheduled visits, or the logs) collects, for every subject or for some cohorts.

A list entry is a form id (every subject) or `{forms: [...], cohorts: [...]}`
(the subjects of those cohorts only), e.g. SLEDAI for the lupus cohorts.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from edc.definitions.model_base import FormId, Strict, UpperId


class CohortForms(Strict):
    """Forms of a visit collected only for subjects of some cohorts, e.g. SLEDAI for the lupus cohorts."""

    forms: tuple[FormId, ...] = Field(min_length=1)
    cohorts: tuple[UpperId, ...] = Field(min_length=1)


class FormList(Strict):
    """The forms collected at a visit: a form id for every subject, `{forms, cohorts}` for some cohorts only.

    The YAML key is `forms`; `forms` is also every form the list names, whatever the cohort, in the order
    written, and `forms_for(cohort)` those a subject of the cohort is expected to have.
    """

    model_config = ConfigDict(serialize_by_alias=True)  # the content hash reads `forms`, as written

    entries: tuple[FormId | CohortForms, ...] = Field(alias="forms", min_length=1)

    @property
    def forms(self) -> tuple[str, ...]:
        """Every form collected here, for one cohort or all."""
        return tuple(f for entry in self.entries for f in ((entry,) if isinstance(entry, str) else entry.forms))

    def cohorts_of(self, form_id: str) -> tuple[str, ...] | None:
        """The cohorts `form_id` is collected for here (None: every subject; () when it is not collected)."""
        restricted: tuple[str, ...] = ()
        for entry in self.entries:
            if entry == form_id:
                return None
            if isinstance(entry, CohortForms) and form_id in entry.forms:
                restricted += tuple(c for c in entry.cohorts if c not in restricted)
        return restricted

    def forms_for(self, cohort: str | None) -> tuple[str, ...]:
        """The forms a subject of `cohort` is expected to have here (None: the forms of every cohort)."""
        if cohort is None:
            return self.forms
        return tuple(f for entry in self.entries
                     for f in ((entry,) if isinstance(entry, str) else entry.forms if cohort in entry.cohorts else ()))
