"""A study's dose levels as the trial runs them: the levels its definition declares and the intermediate levels
the committee opened between them (`edc.domain.escalation.intermediate`).

Every reader of the levels a subject may be at goes through `dose_levels`: the
escalation state and its decisions, the infusion's dose checks, the SDTM
export's arms; the definition alone (`study.spec.dose_levels`) lacks the
opened levels.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection

from edc.app.escalation import store
from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Dose, DoseLevel
from edc.domain.escalation.intermediate import OpenedLevel, opened_level, with_opened


def opened_levels(conn: Connection, study: StudyDefinition) -> list[OpenedLevel]:
    """The intermediate levels opened in `study`, in the order they were opened."""
    declared = {level.id: level for level in study.spec.dose_levels}
    return [opened_level(row.level_id, row.label, Dose(value=row.dose_value, unit=row.dose_unit),
                         declared[row.lower_level], declared[row.upper_level])
            for row in store.intermediate_levels(conn, study.id)
            if row.lower_level in declared and row.upper_level in declared]


def dose_levels(conn: Connection, study: StudyDefinition) -> tuple[DoseLevel, ...]:
    """The study's declared levels with the opened ones in their places, lowest first once any is opened."""
    return with_opened(study.spec.dose_levels, opened_levels(conn, study))


def as_run(conn: Connection, study: StudyDefinition) -> StudyDefinition:
    """`study` with the opened levels among its dose levels, for what reads the definition only (the export)."""
    levels = dose_levels(conn, study)
    if levels == study.spec.dose_levels:
        return study
    return replace(study, spec=study.spec.model_copy(update={"dose_levels": levels}))
