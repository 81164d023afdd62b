"""The committee opens an intermediate dose level: a stated dose between two adjacent declared levels becomes a
level of its own (`edc.domain.escalation.intermediate`).

Only where the design allows it (`escalation.allow_intermediate_dose`, else
422) and only with a study-wide grant (403), like every decision on the
escalation. Opening is a committee decision, stored as one: `escalate` to
the new level when it lies above the highest level treated, `step_back`
when below (so it is coherent by construction, and refused (409) before any
subject is treated). Like any overriding decision it steers enrolment to the
new level until subjects there change the engine's recommendation; the
engine then judges the level like any other. The level is stored with the
decision's id and audited `escalation.open_level` (item: its id; new value:
its dose, label and neighbours; the decision's reason).

Serialised per study (`store.lock_study`): of two openings at once the
second sees the first and is refused (409) when it falls in the same
interval; the unique constraints refuse it too, whatever wrote first. A
retry with the same Idempotency-Key returns the first opening. Nothing
commits: the request is the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from edc import audit
from edc.app.escalation import store
from edc.app.escalation.levels import opened_levels
from edc.app.escalation.service import (
    CommitteeDecision,
    committee_decision,
    ensure_study_wide,
    record_decision,
    study_escalation,
)
from edc.app.kernel import idempotency
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import Conflict, InvalidInput, NotFound, ValidationFailed
from edc.app.locks import service as locks
from edc.capture.payload import ItemError
from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Dose
from edc.domain.escalation.intermediate import (
    DoseNotBetween,
    OpenedLevel,
    dose_text,
    intermediate_level,
    interval_of,
    occupied,
    with_opened,
)
from edc.domain.escalation_state import direction, highest_treated


@dataclass(frozen=True)
class Opening:
    """An opened intermediate level and the committee decision that opened it."""

    row_id: int
    opened: OpenedLevel
    decision: CommitteeDecision


def open_intermediate_level(conn: Connection, *, study: StudyDefinition, dose: Dose, reason: str, actor: Actor,
                            now: datetime, idempotency_key: str | None = None) -> Opening:
    """Open a level at `dose` between the two adjacent declared levels around it (see the module docstring)."""
    ensure_study_wide(actor)
    if not study.spec.escalation.allow_intermediate_dose:
        raise InvalidInput(f"the design of study '{study.id}' allows no intermediate dose "
                           "(escalation.allow_intermediate_dose)")
    return idempotency.once(
        conn, actor=actor, key=idempotency_key, resource="intermediate_dose_level", now=now,
        request={"study": study.id, "dose": {"value": dose.value, "unit": dose.unit}, "reason": reason},
        create=lambda: _open(conn, study, dose, reason, actor, now), ident=lambda opening: opening.row_id,
        read=lambda row_id: read_opening(conn, study, row_id))


def read_opening(conn: Connection, study: StudyDefinition, row_id: int) -> Opening:
    """One opened level of `study` with its decision; NotFound for another study's or an unknown one."""
    found = store.opening(conn, study.id, row_id)
    opened = next((o for o in opened_levels(conn, study) if found is not None and o.level.id == found.level_id), None)
    if found is None or opened is None:
        raise NotFound(f"study '{study.id}' has no intermediate dose level {row_id}")
    return Opening(row_id, opened, committee_decision(store.decision(conn, found.decision_id)))


def _open(conn: Connection, study: StudyDefinition, dose: Dose, reason: str, actor: Actor, now: datetime) -> Opening:
    store.lock_study(conn, study.id)
    locks.ensure_writable(conn, study_id=study.id)
    declared = study.spec.dose_levels
    try:
        lower, upper = interval_of(declared, dose)
    except DoseNotBetween as error:
        value = dose.value if error.item == "dose.value" else dose.unit
        raise ValidationFailed([ItemError(error.item, str(error), value)]) from None
    opened = opened_levels(conn, study)
    there = occupied(opened, lower)
    if there is not None:
        raise Conflict(f"{there.level.id} ({dose_text(there.level.dose)}) is open between {lower.id} and "
                       f"{upper.id} already: one intermediate dose per interval")
    new = intermediate_level(lower, upper, dose, [d.id for d in declared] + [o.level.id for o in opened])
    current = study_escalation(conn, study, now.date())
    highest = highest_treated(current.state)
    if highest is None:
        raise Conflict(f"no subject has been treated yet: the escalation starts at "
                       f"{study.spec.escalation.start_level}")
    placed = {level.id: level for level in with_opened(declared, [*opened, new])}
    chosen = direction(placed[highest.id], placed[new.level.id])
    assert chosen is not None, "a new level has no subject, so it is never the highest treated"
    decision_id = record_decision(conn, study, current.state, chosen, new.level.id, reason=reason, actor=actor,
                                  now=now)
    row_id = store.insert_intermediate_level(
        conn, study_id=study.id, level_id=new.level.id, label=new.level.label, dose_value=dose.value,
        dose_unit=dose.unit, lower_level=lower.id, upper_level=upper.id, decision_id=decision_id)
    if row_id is None:
        raise Conflict(f"an intermediate level between {lower.id} and {upper.id} was opened at the same time")
    audit.append(conn, action="escalation.open_level", occurred_at=now, user_id=actor.user_id, role=actor.role,
                 study_id=study.id, item=new.level.id, old_value=None, reason=reason,
                 new_value={"dose": {"value": dose.value, "unit": dose.unit}, "label": new.level.label,
                            "between": [lower.id, upper.id]})
    return read_opening(conn, study, row_id)

