"""Safety steps of a treated demo subject: adverse events with their medications, DLT assessments, the CRS check.

An event is logged the day after it ends (or on `today` while it is still
going on, as ongoing), with the medications given for it. Events of grade 3
or more within the trial's DLT window get the investigator's DLT assessment a
week later, adjudicated by then (pending if that week has not passed), with the
decision the trial counts: signed, or the committee's verdict recorded. The
first treated subject's CRS is entered as grade 1 and corrected to grade 2
when monitoring finds the oxygen in the nursing notes; the same subject has an
unscheduled visit on day 2 to assess the CRS.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from edc.app.escalation.service import adjudicate_event
from edc.app.kernel.actor import Actor
from edc.app.signatures.service import SignTarget, sign_authenticated
from edc.app.visits.service import add_unscheduled_visit
from edc.definitions.catalog import StudyDefinition
from edc.definitions.vocabulary import LOGS_VISIT
from edc.demo.events import AdverseEvent, adverse_events
from edc.demo.plan import SubjectPlan, subject_rng
from edc.demo.profiles import INVESTIGATORS
from edc.demo.runner import Step, StepContext
from edc.demo.visit_data import medication_values, visit_records

#: Day after infusion of the first treated subject's unscheduled CRS visit, and the forms it collects.
UNSCHEDULED_DAY = 2
UNSCHEDULED_FORMS = ("vital_signs", "haematology", "chemistry", "coagulation")
DLT_DELAY = timedelta(days=7)
CORRECTION_DELAY = timedelta(days=9)
DLT_SIGNATURE_MEANING = "I confirm my DLT assessment of this adverse event"


def safety_steps(study: StudyDefinition, plan: SubjectPlan, *, seed: int, today: date) -> list[Step]:
    """The subject's event, DLT, correction and unscheduled-visit steps on or before `today`."""
    assert plan.infusion is not None and plan.rank is not None
    rng = subject_rng(seed, study.id, plan.key, "events")
    window = study.spec.escalation.dlt_window_days
    steps: list[Step] = []
    for event in adverse_events(plan.patient, plan.infusion, plan.rank, window, rng):
        if event.onset > today:
            continue
        entry = min(today, (event.end or event.onset) + timedelta(days=1))
        steps.append(_step(study, plan, entry, f"ae-{event.spid}", partial(log_event, event=event, entry=entry)))
        if event.dlt_rule is not None and event.grade >= 3:
            when = min(today, entry + DLT_DELAY)
            steps.append(_step(study, plan, when, f"dlt-{event.spid}",
                               partial(assess_dlt, event=event, assessed=entry, when=when)))
        if event.correction is not None and entry + CORRECTION_DELAY <= today:
            steps.append(_step(study, plan, entry + CORRECTION_DELAY, f"fix-ae-{event.spid}",
                               partial(correct_event, event=event)))
    uns = plan.infusion + timedelta(days=UNSCHEDULED_DAY)
    if plan.rank == 0 and study.spec.schedule.unscheduled is not None and uns <= today:
        steps.append(_step(study, plan, uns, "unscheduled", partial(unscheduled_visit, plan=plan, on=uns)))
    return steps


def _step(study: StudyDefinition, plan: SubjectPlan, when: date, label: str, action: partial[None]) -> Step:
    return Step(when, study.id, plan.site, plan.key, label, action)


def event_values(event: AdverseEvent, entry: date) -> dict[str, object]:
    """The event's log record as known on `entry`: ended or ongoing, with the dates known by then."""
    ended = event.end is not None and event.end < entry
    values: dict[str, object] = {
        "aespid": event.spid, "aeterm": event.term, "aestdat": event.onset.isoformat(), "aeser": "N",
        "aeacn": "NOT APPLICABLE", **event.values, "aeongo": "N" if ended else "Y",
        "aeendat": event.end.isoformat() if ended and event.end is not None else None,
        "aeout": "RECOVERED/RESOLVED" if ended else "RECOVERING/RESOLVING"}
    if event.grade >= 3:
        values["aewrsdat"] = (event.worst or event.onset).isoformat()
        for item, known in (("aeimpdat", event.improved), ("aebasdat", event.baseline)):
            values[item] = known.isoformat() if known is not None and known <= entry else None
    return values


def log_event(ctx: StepContext, *, event: AdverseEvent, entry: date) -> None:
    """Log the event and the medications given for it (those started by `entry`)."""
    ctx.submit(LOGS_VISIT, "adverse_events", event_values(event, entry), entry, key=f"AE/{event.spid}")
    for med in event.meds:
        if med.start <= entry:
            ctx.submit(LOGS_VISIT, "concomitant_medications", medication_values(med, entry), entry)


def assess_dlt(ctx: StepContext, *, event: AdverseEvent, assessed: date, when: date) -> None:
    """The investigator's DLT assessment, with the committee's decision when a week has passed; the decision the
    trial counts (`escalation.dlt_outcome`) is given too: the investigator signs the assessment, or the committee
    records its verdict on the event once it has decided."""
    decided = assessed + DLT_DELAY <= when
    record = ctx.submit(LOGS_VISIT, "dlt_assessment", {
        "dlt_aespid": event.spid, "dlt": "N", "dlt_dat": assessed.isoformat(), "dlt_rule": event.dlt_rule,
        "dlt_inv": ctx.rng.choice(INVESTIGATORS), "dlt_adj": "NOT_DLT" if decided else "PENDING",
        "dlt_adjdat": when.isoformat() if decided else None}, when)
    rule = ctx.study.spec.escalation.dlt_outcome
    subject_number = ctx.state.subject_number
    if rule.decided_by == "committee" and decided:
        # the demo's one user acts as the committee here, study-wide like a safety reviewer
        reviewer = Actor(ctx.actor.user_id, "safety_reviewer", None)
        adjudicate_event(ctx.conn, study=ctx.study, subject_number=subject_number, aespid=event.spid,
                         verdict="NOT_DLT", reason=str(event.dlt_rule), actor=reviewer, now=ctx.now)
    elif rule.decided_by == "investigator" and rule.signed:
        target = SignTarget(subject_number, "record", LOGS_VISIT, form_id="dlt_assessment", seq=record.seq)
        sign_authenticated(ctx.conn, study=ctx.study, target=target, meaning=DLT_SIGNATURE_MEANING, actor=ctx.actor,
                           now=ctx.now)


def correct_event(ctx: StepContext, *, event: AdverseEvent) -> None:
    assert event.correction is not None
    changes, reason = event.correction
    ctx.correct(f"AE/{event.spid}", changes, reason)


def unscheduled_visit(ctx: StepContext, *, plan: SubjectPlan, on: date) -> None:
    """An unscheduled visit to assess CRS: vital signs and the CRS labs."""
    assert plan.infusion is not None
    info = add_unscheduled_visit(ctx.conn, study=ctx.study, subject_id=ctx.state.subject_id, visit_date=on,
                                 actor=ctx.actor, now=ctx.now)
    code = f"{info.visit_code}{info.occurrence}"
    ctx.state.visits[code] = info.visit_id
    allowed = ctx.study.spec.schedule.unscheduled
    for form_id in UNSCHEDULED_FORMS:
        if allowed is not None and form_id in allowed.forms:
            for values in visit_records(ctx.study, plan, form_id, (on - plan.infusion).days, ctx.rng):
                ctx.submit(code, form_id, values, on)
