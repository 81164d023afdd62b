"""TE, Trial Elements, and TA, Trial Arms: the elements every dose level arm runs through."""

from __future__ import annotations

from dataclasses import dataclass

from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import ScheduledVisit
from edc.export.formats.metadata import Role
from edc.export.sdtm.arms import planned_arms
from edc.export.sdtm.trialdesign.common import (
    MAX_TEXT,
    Design,
    Row,
    design_dataset,
    identifier_variables,
    number_variable,
    row_start,
    text_variable,
)


@dataclass(frozen=True)
class _Element:
    """One planned element: code, description, epoch, start and end rules, planned duration."""

    etcd: str
    element: str
    epoch: str
    start: str
    end: str
    duration: str | None = None


_INFUSION_START = "Start of the CAR-T infusion (Day 0)"
_INFUSION_END = "24 hours after the start of the CAR-T infusion (Day 1)"


def _elements(study: StudyDefinition) -> list[_Element]:
    """The elements every arm passes through, in order, each ending where the next starts."""
    ld_day = _form_visit_day(study, "lymphodepletion")
    ld_start = f"Start of lymphodepletion (Day {ld_day})" if ld_day is not None else "Start of lymphodepletion"
    leukapheresis = _form_visit_day(study, "leukapheresis") is not None
    elements = [_Element("SCRN", "Screening", "SCREENING", "Informed consent signed",
                         "Start of leukapheresis" if leukapheresis else ld_start)]
    if leukapheresis:
        elements.append(_Element("LEUK", "Leukapheresis", "TREATMENT", "Start of leukapheresis", ld_start))
    elements += [
        _Element("LD", "Lymphodepletion", "TREATMENT", ld_start, _INFUSION_START,
                 f"P{-ld_day}D" if ld_day is not None and ld_day < 0 else None),
        _Element("CART", "CAR-T infusion", "TREATMENT", _INFUSION_START, _INFUSION_END, "P1D"),
    ]
    return elements + _follow_up(study)


def _follow_up(study: StudyDefinition) -> list[_Element]:
    """FU, then LTFU when the schedule has long-term follow-up visits."""
    follow_up = _last_visit(study, "FOLLOW-UP")
    long_term = _last_visit(study, "LONG-TERM FOLLOW-UP")
    if long_term is None:
        return [_Element("FU", "Follow-up", "FOLLOW-UP", _INFUSION_END, _completion(follow_up))]
    first_long_term = min((v for v in study.visits if v.epoch == "LONG-TERM FOLLOW-UP"), key=lambda v: v.day)
    long_term_start = f"Start of long-term follow-up (Day {first_long_term.day} visit window)"
    return [_Element("FU", "Follow-up", "FOLLOW-UP", _INFUSION_END, long_term_start),
            _Element("LTFU", "Long-term follow-up", "LONG-TERM FOLLOW-UP", long_term_start, _completion(long_term))]


def _completion(visit: ScheduledVisit | None) -> str:
    """The end rule of the last element of an epoch: its last visit done, or withdrawal."""
    if visit is None:
        return "End of study or early withdrawal"
    return f"Completion of the {visit.name} visit (Day {visit.day}) or early withdrawal"


def _form_visit_day(study: StudyDefinition, form_id: str) -> int | None:
    """The protocol day of the first scheduled visit collecting `form_id`, None when no visit does."""
    days = [visit.day for visit in study.visits if form_id in visit.forms]
    return min(days) if days else None


def _last_visit(study: StudyDefinition, epoch: str) -> ScheduledVisit | None:
    """The latest scheduled visit of `epoch`, None when the schedule has none."""
    visits = [visit for visit in study.visits if visit.epoch == epoch]
    return max(visits, key=lambda v: (v.day, v.visitnum)) if visits else None


def trial_elements(study: StudyDefinition) -> Design:
    """TE: one row per element, by ETCD."""
    rows: list[Row] = [
        {**row_start(study, "TE"), "ETCD": e.etcd, "ELEMENT": e.element, "TESTRL": e.start, "TEENRL": e.end,
         "TEDUR": e.duration}
        for e in sorted(_elements(study), key=lambda e: e.etcd)
    ]
    variables = [
        *identifier_variables(),
        text_variable("ETCD", "Element Code", Role.TOPIC, 8, mandatory=True, key=2),
        text_variable("ELEMENT", "Description of Element", Role.SYNONYM_QUALIFIER, 40, mandatory=True),
        text_variable("TESTRL", "Rule for Start of Element", Role.RULE, MAX_TEXT, mandatory=True),
        text_variable("TEENRL", "Rule for End of Element", Role.RULE, MAX_TEXT),
        text_variable("TEDUR", "Planned Duration of Element", Role.TIMING, 10),
    ]
    return design_dataset("TE", "Trial Elements", "One record per planned Element", variables), rows


def trial_arms(study: StudyDefinition) -> Design:
    """TA: one row per arm (dose level, or cohort and dose level: `planned_arms`) and element, by ARMCD, TAETORD."""
    elements = _elements(study)
    rows: list[Row] = [
        {**row_start(study, "TA"), "ARMCD": arm.armcd, "ARM": arm.arm, "TAETORD": order, "ETCD": element.etcd,
         "ELEMENT": element.element, "TABRANCH": None, "TATRANS": None, "EPOCH": element.epoch}
        for arm in sorted(planned_arms(study), key=lambda arm: arm.armcd)
        for order, element in enumerate(elements, start=1)
    ]
    variables = [
        *identifier_variables(),
        text_variable("ARMCD", "Planned Arm Code", Role.TOPIC, 20, mandatory=True, key=2),
        text_variable("ARM", "Description of Planned Arm", Role.SYNONYM_QUALIFIER, MAX_TEXT, mandatory=True),
        number_variable("TAETORD", "Planned Order of Element within Arm", Role.TIMING, mandatory=True, key=3),
        text_variable("ETCD", "Element Code", Role.RECORD_QUALIFIER, 8, mandatory=True),
        text_variable("ELEMENT", "Description of Element", Role.SYNONYM_QUALIFIER, 40),
        text_variable("TABRANCH", "Branch", Role.RULE, MAX_TEXT),
        text_variable("TATRANS", "Transition Rule", Role.RULE, MAX_TEXT),
        text_variable("EPOCH", "Epoch", Role.TIMING, 40, mandatory=True),
    ]
    return design_dataset("TA", "Trial Arms", "One record per planned Element per Arm", variables), rows
