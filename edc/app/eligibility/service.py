"""Eligibility of a screened subject over the stored screening data, the investigator's decision, and enrolment.

The engine's result is computed on every read from the records of the
subject's eligibility visit, so a corrected screening form is reflected at
once; it is never stored as the truth. What is stored is the investigator's
decision (`eligibility_decisions`, each with the result it was made on) and
the subject's status:

    screening --decide eligible--> eligible --enrol--> enrolled
        \\--decide not eligible--> screen_failed

An `eligible` decision needs the engine to say eligible (every criterion met);
a `not eligible` decision may be made at any time before enrolment. Enrolment
needs an `eligible` decision and, again, an eligible result on the data as
they are now. Every step writes audit events in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

from sqlalchemy import Connection

from edc import audit
from edc.app.eligibility import store
from edc.app.escalation.service import assign_dose_level
from edc.app.kernel import lookups
from edc.app.kernel.actor import Actor
from edc.app.kernel.clock import stored_utc
from edc.app.kernel.errors import Conflict, InvalidInput, NotEligible, ReasonRequired
from edc.app.kernel.lookups import SubjectRow
from edc.app.locks import service as locks
from edc.app.records import store as records
from edc.definitions.catalog import StudyDefinition
from edc.definitions.vocabulary import ELIGIBLE, ENROLLED, SCREEN_FAILED, SCREENING
from edc.rules.eligibility import EligibilityResult, FormRecords, evaluate_eligibility

DecisionValue = Literal["eligible", "not_eligible"]
_DECIDED_STATUS = {"eligible": ELIGIBLE, "not_eligible": SCREEN_FAILED}


@dataclass(frozen=True)
class Decision:
    """The investigator's latest decision and the engine status it was made on."""

    decision: str
    computed_status: str
    reason: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class SubjectEligibility:
    """A subject, the engine's result on their screening data now, and the latest decision (None before one)."""

    subject: SubjectRow
    result: EligibilityResult
    decision: Decision | None


def subject_eligibility(conn: Connection, *, study: StudyDefinition, subject_number: str,
                        actor: Actor) -> SubjectEligibility:
    """The eligibility of a subject the actor sees (NotFound otherwise)."""
    subject = lookups.find_subject(conn, study_id=study.id, subject_number=subject_number, actor=actor)
    return SubjectEligibility(subject, _evaluate(conn, study, subject), _latest_decision(conn, subject.subject_id))


def decide_eligibility(conn: Connection, *, study: StudyDefinition, subject_number: str, decision: DecisionValue,
                       reason: str, actor: Actor, now: datetime) -> SubjectEligibility:
    """Record the investigator's decision; `eligible` only when every criterion is met now."""
    if not reason.strip():
        raise ReasonRequired("an eligibility decision needs a reason")
    if decision not in _DECIDED_STATUS:
        raise InvalidInput(f"decision must be 'eligible' or 'not_eligible', not {decision!r}")
    current = subject_eligibility(conn, study=study, subject_number=subject_number, actor=actor)
    subject, result = current.subject, current.result
    locks.ensure_writable(conn, study_id=study.id, subject_id=subject.subject_id)
    if subject.status not in (SCREENING, ELIGIBLE, SCREEN_FAILED):
        raise Conflict(f"subject {subject_number} is {subject.status}; eligibility can no longer be decided")
    if decision == "eligible" and result.status != "eligible":
        raise NotEligible(_why_not(subject_number, result))
    store.insert_decision(conn, subject_id=subject.subject_id, decision=decision, computed_status=result.status,
                          criteria={c.id: c.status for c in result.criteria}, reason=reason,
                          decided_by=actor.user_id, now=now)
    new_status = _DECIDED_STATUS[decision]
    _set_status(conn, subject, new_status, {})
    audit.append_items(conn, [audit.ItemChange("decision", None, decision),
                              audit.ItemChange("status", subject.status, new_status)],
                       action="eligibility.decide", occurred_at=now, user_id=actor.user_id, role=actor.role,
                       site_id=subject.site_id, study_id=study.id, subject_id=subject.subject_id, reason=reason)
    return SubjectEligibility(replace(subject, status=new_status), result,
                              _latest_decision(conn, subject.subject_id))


def enrol_subject(conn: Connection, *, study: StudyDefinition, subject_number: str, enrolled_on: date,
                  actor: Actor, now: datetime, dose_level: str | None = None) -> SubjectRow:
    """Enrol a subject decided eligible whose screening data still meet every criterion, at the open dose level.

    The level is the one the escalation has open on `enrolled_on` (see
    `edc.app.escalation.service`); `dose_level`, when given, must be that level.
    Conflict when no level takes a subject.
    """
    current = subject_eligibility(conn, study=study, subject_number=subject_number, actor=actor)
    subject, result = current.subject, current.result
    locks.ensure_writable(conn, study_id=study.id, subject_id=subject.subject_id)
    if subject.status != ELIGIBLE:
        raise NotEligible(f"subject {subject_number} is {subject.status}: an investigator must first decide "
                          "the subject eligible")
    if result.status != "eligible":
        raise NotEligible(_why_not(subject_number, result) + " (the screening data changed since the decision)")
    if not subject.screened_on <= enrolled_on <= now.date():
        raise InvalidInput(f"enrolled_on must lie between the screening date {subject.screened_on} and today")
    assigned = assign_dose_level(conn, study, requested=dose_level, cohort=subject.cohort, as_of=enrolled_on)
    _set_status(conn, subject, ENROLLED, {"enrolled_on": enrolled_on, "dose_level": assigned.dose_level,
                                          "dlt_evaluable": assigned.dlt_evaluable})
    audit.append_items(conn, [audit.ItemChange("status", subject.status, ENROLLED),
                              audit.ItemChange("enrolled_on", None, enrolled_on),
                              audit.ItemChange("dose_level", None, assigned.dose_level),
                              audit.ItemChange("dlt_evaluable", None, assigned.dlt_evaluable)],
                       action="subject.enrol", occurred_at=now, user_id=actor.user_id, role=actor.role,
                       site_id=subject.site_id, study_id=study.id, subject_id=subject.subject_id)
    return replace(subject, status=ENROLLED, enrolled_on=enrolled_on, dose_level=assigned.dose_level)


def screening_records(conn: Connection, study: StudyDefinition, subject_id: int) -> dict[str, FormRecords]:
    """The records of the subject's eligibility visit: form id -> values (a list for a repeating form)."""
    found: dict[str, FormRecords] = {}
    for record_id, form_id in store.screening_record_ids(conn, subject_id, study.spec.eligibility.visit):
        form = study.forms[form_id]
        values = _entered(records.read_values(conn, records.table_of(study, form_id), record_id))
        if form.repeating:
            listed = found.setdefault(form_id, [])
            assert isinstance(listed, list)
            listed.append(values)
        else:
            found[form_id] = values
    return found


def _evaluate(conn: Connection, study: StudyDefinition, subject: SubjectRow) -> EligibilityResult:
    """The engine's result on the subject's screening data as they are now."""
    return evaluate_eligibility(study, screening_records(conn, study, subject.subject_id), subject.cohort)


def _entered(values: Mapping[str, object]) -> dict[str, object]:
    """Stored values without the empty ones: the rules treat a missing item as not given."""
    return {name: value for name, value in values.items() if value is not None}


def _latest_decision(conn: Connection, subject_id: int) -> Decision | None:
    """The subject's latest decision, None before one."""
    row = store.latest_decision(conn, subject_id)
    if row is None:
        return None
    decided_at = stored_utc(row.decided_at)
    return Decision(row.decision, row.computed_status, row.reason, row.username, decided_at)


def _set_status(conn: Connection, subject: SubjectRow, status: str, extra: Mapping[str, object]) -> None:
    """Move the subject from the status read to `status`; Conflict when another request moved it first."""
    if not store.move_status(conn, subject.subject_id, subject.status, status, extra):
        raise Conflict(f"subject {subject.subject_number} was changed by another request; read it again")


def _why_not(subject_number: str, result: EligibilityResult) -> str:
    """Why the subject is not eligible: the criteria not met and those not yet decidable."""
    not_met, undecided = result.by_status("not_met"), result.by_status("undecidable")
    parts = []
    if not_met:
        parts.append("not met: " + ", ".join(not_met))
    if undecided:
        parts.append("not yet decidable (data missing): " + ", ".join(undecided))
    return f"subject {subject_number} is not eligible ({'; '.join(parts)})"
