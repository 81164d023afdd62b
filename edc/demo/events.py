"""Adverse events, their treatments and DLT assessments for a treated demo subject.

Events follow what CD19 CAR-T trials in autoimmune disease report: nausea
during lymphodepletion, CRS (mostly grade 1, fever within days of the
infusion; grade 2 with low-flow oxygen, treated with tocilizumab), rare mild
ICANS, neutropenia after lymphodepletion (CTCAE grade from the patient's
neutrophil nadir, improving within two weeks), and the odd infection weeks
later. CRS and ICANS carry their ASTCT 2019 components (for CRS the raw
values: temperature, vasopressors, oxygen support and flow), consistent with
the grade entered, so the computed grade agrees with the investigator's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from edc.definitions.functions import ICE_POINTS
from edc.demo.clinical import Patient

Values = dict[str, object]


@dataclass(frozen=True)
class Medication:
    """A treatment given for an event (or background therapy): its payload values, start and end."""

    values: Values
    start: date
    end: date | None


@dataclass(frozen=True)
class AdverseEvent:
    """One event as the site would log it, with its dates of worst grade, improvement and return to baseline."""

    term: str
    values: Values
    onset: date
    end: date | None
    worst: date | None = None
    improved: date | None = None
    baseline: date | None = None
    meds: tuple[Medication, ...] = ()
    dlt_rule: str | None = None
    correction: tuple[Values, str] | None = None
    spid: str = ""

    @property
    def grade(self) -> int:
        return int(str(self.values["aetoxgr"]))


def medication(name: str, indication: str, dose: float, unit: str, frequency: str, route: str, start: date,
               end: date | None, **values: object) -> Medication:
    """A medication record's values: drug, indication, dose, unit, frequency and route."""
    return Medication({"cmtrt": name, "cmindc": indication, "cmdose": dose, "cmdosu": unit, "cmdosfrq": frequency,
                       "cmroute": route, "cmgc": "N", **values}, start, end)


def nausea(infusion: date) -> AdverseEvent:
    onset, end = infusion - timedelta(days=4), infusion - timedelta(days=2)
    meds = (medication("Ondansetron", "Nausea", 8, "mg", "BID", "INTRAVENOUS", onset, end),)
    return AdverseEvent("Nausea", {"aecat": "OTHER", "aetoxgr": "1", "aerel": "NOT_RELATED", "aerel_ld": "PROBABLY",
                                   "aecontrt": "Y"}, onset, end, meds=meds)


def crs(patient: Patient, infusion: date, rng: random.Random, *, understated: bool) -> AdverseEvent | None:
    """The patient's CRS, if any; `understated` enters a grade 2 as grade 1 (no oxygen), corrected later."""
    course = patient.crs
    if course is None:
        return None
    onset, end = infusion + timedelta(days=course.onset), infusion + timedelta(days=course.end)
    oxygen: Values = ({"crs_o2_device": "NASAL_CANNULA_LOW_FLOW", "crs_o2_flow": 2.0} if course.grade >= 2
                      else {"crs_o2_device": "NONE"})
    # paracetamol is given from onset (below): an antipyretic, so the fever counts as masked from then on
    values: Values = {"aecat": "CRS", "crs_tmax": rng.uniform(38.6, 39.4), "crs_fever_masked": True,
                      "crs_death": False, "crs_hypotension": "NONE", **oxygen, "aetoxgr": str(course.grade),
                      "aerel": "DEFINITELY", "aerel_ld": "UNLIKELY", "aecontrt": "Y"}
    meds = [medication("Paracetamol", "Fever (cytokine release syndrome)", 500, "mg", "PRN", "ORAL", onset, end)]
    if course.grade >= 2:
        worst = infusion + timedelta(days=course.worst)
        meds.append(medication("Tocilizumab", "Cytokine release syndrome", 8, "mg/kg", "ONCE", "INTRAVENOUS",
                               worst, worst))
    correction = None
    if understated and course.grade >= 2:
        changes: Values = {**oxygen, "aetoxgr": str(course.grade)}
        correction = (changes,
                      "Source data verification: oxygen 2 L/min by nasal cannula documented in the nursing notes "
                      "at the worst point of CRS; oxygen support and grade corrected")
        values |= {"crs_o2_device": "NONE", "crs_o2_flow": None, "aetoxgr": "1"}
    return AdverseEvent("Cytokine release syndrome", values, onset, end, meds=tuple(meds), correction=correction)


def icans(infusion: date, rng: random.Random) -> AdverseEvent:
    """Grade 1 ICANS: ICE 8 (could not write a sentence nor count backwards), awake, no other domain."""
    onset = infusion + timedelta(days=rng.randint(5, 7))
    missed = {"ice_write_sentence", "ice_count_backwards"}
    values: Values = {point: point not in missed for point in ICE_POINTS}
    values |= {"aecat": "ICANS", "icans_consciousness": "NORMAL", "icans_seizure": "NONE", "icans_motor": "NONE",
               "icans_icp": "NONE", "icans_death": False, "aetoxgr": "1", "aerel": "PROBABLY",
               "aerel_ld": "NOT_RELATED", "aecontrt": "N"}
    return AdverseEvent("Immune effector cell-associated neurotoxicity syndrome", values, onset,
                        onset + timedelta(days=2))


def neutropenia(patient: Patient, infusion: date) -> AdverseEvent:
    """Neutrophil count decreased, CTCAE grade from the nadir; grade 4 gets G-CSF."""
    nadir = patient.neut_nadir
    grade = 4 if nadir < 0.5 else 3 if nadir < 1.0 else 2
    onset, worst = infusion + timedelta(days=4), infusion + timedelta(days=7)
    end = infusion + timedelta(days=21)
    meds = (medication("Filgrastim (G-CSF)", "Neutrophil count decreased", 300, "ug", "QD", "SUBCUTANEOUS",
                       worst, worst + timedelta(days=4)),) if grade == 4 else ()
    values: Values = {"aecat": "OTHER", "aetoxgr": str(grade), "aerel": "POSSIBLY", "aerel_ld": "PROBABLY",
                      "aecontrt": "Y" if meds else "N", **({"aedltcls": "NEUTROPENIA"} if grade >= 3 else {})}
    rule = ("Grade 3-4 neutropenia lasting 28 days or less after lymphodepletion is not a DLT "
            "(protocol exception for cytopenias)") if grade >= 3 else None
    return AdverseEvent("Neutrophil count decreased", values, onset, end, worst=worst if grade >= 3 else None,
                        improved=infusion + timedelta(days=12) if grade >= 3 else None,
                        baseline=end if grade >= 3 else None, meds=meds, dlt_rule=rule)


def infection(infusion: date, rng: random.Random) -> AdverseEvent:
    onset = infusion + timedelta(days=rng.randint(35, 70))
    end = onset + timedelta(days=rng.randint(6, 10))
    meds = (medication("Paracetamol", "Upper respiratory tract infection", 500, "mg", "PRN", "ORAL", onset, end),)
    return AdverseEvent("Upper respiratory tract infection", {
        "aecat": "OTHER", "aetoxgr": "2", "aerel": "UNLIKELY", "aerel_ld": "NOT_RELATED", "aecontrt": "Y"},
        onset, end, meds=meds)


def pneumonia(infusion: date, dlt_window: int) -> AdverseEvent:
    """A serious grade 3 lung infection needing hospitalisation, back to baseline within two weeks."""
    onset = infusion + timedelta(days=45)
    end = onset + timedelta(days=14)
    serious = {"aeser": "Y", "aesdth": "N", "aeslife": "N", "aeshosp": "Y", "aesdisab": "N", "aescong": "N",
               "aesmie": "N"}
    meds = (medication("Piperacillin-tazobactam", "Pneumonia", 4.5, "g", "TID", "INTRAVENOUS", onset,
                       onset + timedelta(days=9)),)
    rule = ("Grade 3 infection improving to grade 2 or lower within 7 days with antibiotics: not a DLT"
            if dlt_window >= 45 else None)
    return AdverseEvent("Pneumonia", {"aecat": "OTHER", "aetoxgr": "3", "aedltcls": "OTHER", "aerel": "POSSIBLY",
                                      "aerel_ld": "UNLIKELY", "aecontrt": "Y", **serious},
                        onset, end, worst=onset + timedelta(days=1), improved=onset + timedelta(days=6), baseline=end,
                        meds=meds, dlt_rule=rule)


def adverse_events(patient: Patient, infusion: date, rank: int, dlt_window: int,
                   rng: random.Random) -> list[AdverseEvent]:
    """The subject's events in onset order, numbered 1, 2, ... (aespid)."""
    events = [neutropenia(patient, infusion)]
    found = crs(patient, infusion, rng, understated=rank == 0)
    if found is not None:
        events.append(found)
    if rank == 1 or (rank > 2 and rng.random() < 0.15):
        events.append(icans(infusion, rng))
    if rng.random() < 0.5:
        events.append(nausea(infusion))
    if rank == 2:
        events.append(pneumonia(infusion, dlt_window))
    elif rng.random() < 0.4:
        events.append(infection(infusion, rng))
    events.sort(key=lambda e: (e.onset, e.term))
    return [_numbered(event, str(number)) for number, event in enumerate(events, start=1)]


def _numbered(event: AdverseEvent, spid: str) -> AdverseEvent:
    meds = tuple(Medication({**m.values, "cmaeno": spid}, m.start, m.end) for m in event.meds)
    return replace(event, meds=meds, spid=spid)
