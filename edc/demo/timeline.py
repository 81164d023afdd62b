"""The steps of one demo subject, from screening to the last visit that is not in the future.

Screening screens the subject, dates the screening visit, captures every
screening form and checks the result with the eligibility engine: the demo
stops with `DemoError` if an eligible subject is not eligible or a screen
failure fails anything but its one criterion. Eligible subjects then get
their schedule from the infusion date; each visit up to `today` is dated
inside its window and its forms captured. Two values are entered wrongly and
corrected later with a reason, as monitoring finds them. Safety events are
added by `edc.demo.safety`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from functools import partial

from edc.app.eligibility.service import decide_eligibility, enrol_subject
from edc.app.records.service import forms_at_visit
from edc.app.subjects.service import screen_subject
from edc.app.visits.service import mark_visit_missed, record_visit_date, schedule_infusion
from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import ScheduledVisit
from edc.definitions.vocabulary import LOGS_VISIT, MEDICATION_REVIEW_FORM
from edc.demo.plan import SubjectPlan, subject_rng
from edc.demo.runner import Step, StepContext
from edc.demo.safety import safety_steps
from edc.demo.screening import FAILURES, screening_records, with_failure
from edc.demo.visit_data import background_medications, infusion_day_medications, medication_values, visit_records
from edc.rules.eligibility import FormRecords, evaluate_eligibility

#: The visit the second treated subject misses, and why.
MISSED_VISIT = "D21"
MISSED_REASON = "Subject could not travel to the site (regional flooding); telephone contact, no new events reported"
WEIGHT_REASON = "Transcription error: weight copied from the previous subject's source document; corrected at SDV"
PLATELET_REASON = "Platelet count entered without its last digit; corrected against the laboratory report"
Action = Callable[[StepContext], None]


class DemoError(RuntimeError):
    """The demo data contradict their own plan (e.g. an intended-eligible subject is not eligible)."""


def subject_steps(study: StudyDefinition, plan: SubjectPlan, *, seed: int, today: date) -> list[Step]:
    """Every step of `plan`'s subject that falls on or before `today`, in no particular order."""
    def step(when: date, label: str, action: Action) -> Step:
        return Step(when, study.id, plan.site, plan.key, label, action)

    steps = [step(plan.screened_on, "screening", partial(screening, plan=plan))]
    if plan.failure is not None:
        when = min(today, plan.screened_on + timedelta(days=6))
        return [*steps, step(when, "screen-failure", partial(screen_failure, plan=plan, on=when))]
    dated = visit_dates(study, plan, seed, today)
    for visit, on in dated:
        if plan.rank == 1 and visit.id == MISSED_VISIT:
            missed = on + timedelta(days=visit.window.after + 1)
            if missed <= today:
                steps.append(step(missed, f"missed-{visit.id}", partial(missed_visit, code=visit.id)))
            continue
        entry = min(today, on + timedelta(days=2)) if visit.id == "LD" else on
        steps.append(step(entry, f"visit-{visit.id}", partial(scheduled_visit, plan=plan, visit=visit, on=on)))
    if dated and dated[-1][0].id == study.visits[-1].id:
        steps.append(step(dated[-1][1], "completed", partial(completed, on=dated[-1][1])))
    corrections = correction_steps(study, plan, dict((v.id, on) for v, on in dated), today)
    return steps + corrections + safety_steps(study, plan, seed=seed, today=today)


def visit_dates(study: StudyDefinition, plan: SubjectPlan, seed: int, today: date) -> list[tuple[ScheduledVisit, date]]:
    """The scheduled visits after screening whose planned date has come, each dated inside its window."""
    assert plan.infusion is not None
    rng = subject_rng(seed, study.id, plan.key, "visit-dates")
    dated: list[tuple[ScheduledVisit, date]] = []
    for visit in sorted(study.visits, key=lambda v: v.day):
        planned = plan.infusion + timedelta(days=visit.day)
        if visit.id == study.spec.eligibility.visit:
            continue
        if planned > today:
            break
        fixed = visit.id in ("LD", "D0")  # lymphodepletion days -5 to -3 and the infusion keep their day
        shift = 0 if fixed else rng.randint(-min(2, visit.window.before), min(2, visit.window.after))
        dated.append((visit, min(today, planned + timedelta(days=shift))))
    return dated


def screening(ctx: StepContext, *, plan: SubjectPlan) -> None:
    """Screen the subject, capture the screening visit, check eligibility, schedule the visits."""
    study, on, code = ctx.study, plan.screened_on, ctx.study.spec.eligibility.visit
    subject = screen_subject(ctx.conn, study=study, site_code=plan.site, cohort=plan.cohort, screened_on=on,
                             actor=ctx.actor, now=ctx.now)
    ctx.state.subject_id, ctx.state.subject_number = subject.subject_id, subject.subject_number
    ctx.state.visits |= {LOGS_VISIT: subject.logs_visit_id, code: subject.screening_visit_id}
    ctx.tally.subjects += 1
    ctx.tally.screen_failures += plan.failure is not None
    record_visit_date(ctx.conn, study=study, visit_id=subject.screening_visit_id, visit_date=on, actor=ctx.actor,
                      now=ctx.now)
    captured: dict[str, FormRecords] = {}
    for form_id in forms_at_visit(study, code, plan.cohort):
        records = screening_records(study.id, form_id, plan.patient, plan.therapy, on, ctx.rng)
        results = [ctx.submit(code, form_id, _mistyped(ctx, plan, form_id, values), on, key=f"{code}/{form_id}")
                   for values in with_failure(form_id, records, plan.failure)]
        if results:
            captured[form_id] = [r.values for r in results] if study.forms[form_id].repeating else results[0].values
    verify_eligibility(study, plan, captured)
    decide(ctx, plan, subject.subject_number)
    if plan.infusion is None:
        for med in background_medications(plan.therapy, on, None):
            ctx.submit(LOGS_VISIT, "concomitant_medications", medication_values(med, on), on)
        return
    for info in schedule_infusion(ctx.conn, study=study, subject_id=subject.subject_id, infusion_date=plan.infusion,
                                  actor=ctx.actor, now=ctx.now):
        ctx.state.visits[info.visit_code] = info.visit_id


def decide(ctx: StepContext, plan: SubjectPlan, subject_number: str) -> None:
    """The investigator's eligibility decision: a screen failure with its reason, or eligible and enrolled the
    same day for a subject who goes on to treatment (one still being screened is left undecided)."""
    if plan.failure is not None:
        decide_eligibility(ctx.conn, study=ctx.study, subject_number=subject_number, decision="not_eligible",
                           reason=FAILURES[plan.failure].reason, actor=ctx.actor, now=ctx.now)
    elif plan.infusion is not None:
        decide_eligibility(ctx.conn, study=ctx.study, subject_number=subject_number, decision="eligible",
                           reason="All inclusion criteria met and no exclusion criterion present",
                           actor=ctx.actor, now=ctx.now)
        enrol_subject(ctx.conn, study=ctx.study, subject_number=subject_number, enrolled_on=plan.screened_on,
                      actor=ctx.actor, now=ctx.now, dose_level=plan.dose_level)


def _mistyped(ctx: StepContext, plan: SubjectPlan, form_id: str, values: dict[str, object]) -> dict[str, object]:
    """The second treated subject's screening weight is entered 10 kg too high (corrected later)."""
    if plan.rank != 1 or form_id != "vital_signs":
        return values
    weight = round(float(str(values["weight"])), 1)
    ctx.state.notes["weight"] = weight
    return {**values, "weight": weight + 10.0}


def verify_eligibility(study: StudyDefinition, plan: SubjectPlan, captured: Mapping[str, FormRecords]) -> None:
    """Raise DemoError unless the screening data give the eligibility the plan intends."""
    result = evaluate_eligibility(study, captured, plan.cohort)
    failed = result.by_status("not_met")
    expected = () if plan.failure is None else (plan.failure,)
    if failed != expected or (plan.failure is None and result.status != "eligible"):
        raise DemoError(f"{study.id} subject {plan.key}: eligibility {result.status}, not met {failed}, "
                        f"undecidable {result.by_status('undecidable')}; the plan expected not met {expected}")


def screen_failure(ctx: StepContext, *, plan: SubjectPlan, on: date) -> None:
    assert plan.failure is not None
    ctx.submit(LOGS_VISIT, "disposition", {"dsdecod": "SCREEN FAILURE", "dsstdat": on.isoformat(),
                                           "dsterm": FAILURES[plan.failure].reason}, on)


def missed_visit(ctx: StepContext, *, code: str) -> None:
    mark_visit_missed(ctx.conn, study=ctx.study, visit_id=ctx.state.visits[code], reason=MISSED_REASON,
                      actor=ctx.actor, now=ctx.now)


def scheduled_visit(ctx: StepContext, *, plan: SubjectPlan, visit: ScheduledVisit, on: date) -> None:
    """Date the visit and capture its forms; baseline adds the medications, day 0 the infusion-day ones."""
    assert plan.infusion is not None
    record_visit_date(ctx.conn, study=ctx.study, visit_id=ctx.state.visits[visit.id], visit_date=on,
                      actor=ctx.actor, now=ctx.now)
    day = (on - plan.infusion).days
    for form_id in forms_at_visit(ctx.study, visit.id, plan.cohort):
        for values in visit_records(ctx.study, plan, form_id, day, ctx.rng):
            ctx.submit(visit.id, form_id, _dropped_digit(ctx, plan, visit.id, form_id, values), on,
                       key=f"{visit.id}/{form_id}")
    meds = []
    if visit.id == "BL":
        meds = background_medications(plan.therapy, plan.screened_on, plan.infusion - timedelta(days=12))
    elif visit.id == "D0":
        meds = infusion_day_medications(on)
    for med in meds:
        ctx.submit(LOGS_VISIT, "concomitant_medications", medication_values(med, on), on)
    if MEDICATION_REVIEW_FORM in ctx.study.forms and "sledai" in forms_at_visit(ctx.study, visit.id):
        # the site confirms the log complete at each disease-activity visit (SLEDAI for the lupus cohorts, the
        # other cohorts' instruments at the same visits), so LLDAS, DORIS and the steroid-free endpoint are decidable
        ctx.submit(LOGS_VISIT, MEDICATION_REVIEW_FORM, {"cmrevdat": on.isoformat()}, on)


def _dropped_digit(ctx: StepContext, plan: SubjectPlan, code: str, form_id: str,
                   values: dict[str, object]) -> dict[str, object]:
    """The first treated subject's day 14 platelet count is entered without its last digit (corrected later)."""
    if plan.rank != 0 or code != "D14" or form_id != "haematology":
        return values
    platelets = round(float(str(values["plat"])))
    ctx.state.notes["plat"] = platelets
    return {**values, "plat": platelets // 10}


def completed(ctx: StepContext, *, on: date) -> None:
    ctx.submit(LOGS_VISIT, "disposition", {"dsdecod": "COMPLETED", "dsstdat": on.isoformat()}, on)


def correct_noted(ctx: StepContext, *, key: str, item: str, reason: str) -> None:
    """Correct `item` of the record under `key` to the true value noted when it was entered wrongly."""
    ctx.correct(key, {item: ctx.state.notes[item]}, reason)


def correction_steps(study: StudyDefinition, plan: SubjectPlan, visits: Mapping[str, date],
                     today: date) -> list[Step]:
    """Monitoring corrections of the values entered wrongly: weight (rank 1), platelets (rank 0)."""
    code = study.spec.eligibility.visit
    wanted = []
    if plan.rank == 1:
        wanted.append((plan.screened_on + timedelta(days=14), f"{code}/vital_signs", "weight", WEIGHT_REASON))
    if plan.rank == 0 and "D14" in visits:
        wanted.append((visits["D14"] + timedelta(days=5), "D14/haematology", "plat", PLATELET_REASON))
    return [Step(when, study.id, plan.site, plan.key, f"fix-{item}",
                 partial(correct_noted, key=key, item=item, reason=reason))
            for when, key, item, reason in wanted if when <= today]
