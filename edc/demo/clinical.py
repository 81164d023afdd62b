"""A demo patient and how their vital signs and laboratory values evolve around lymphodepletion and CAR-T.

Days are counted from the infusion (day 0). Lymphodepletion (days -5 to -3)
empties the lymphocytes within days and takes the neutrophils to a nadir
around day 7-10, recovered by day 28; CRS, when the patient has it, brings
fever, a CRP and ferritin peak and raised fibrinogen; B-cell depletion lowers
the immunoglobulins over months while complement and proteinuria normalise
with disease activity (`edc.demo.activity`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

from edc.demo.activity import Disease, activity_level, curve, make_disease
from edc.demo.profiles import REFERENCE, USUAL

LYMPH_CURVE = ((-5, 1.0), (-3, 0.4), (0, 0.12), (1, 0.1), (4, 0.15), (7, 0.7), (10, 0.9), (14, 0.6), (21, 0.55),
               (28, 0.6), (60, 0.8), (90, 0.9), (180, 1.0))
PLAT_CURVE = ((-5, 1.0), (4, 0.9), (7, 0.72), (10, 0.7), (14, 0.8), (21, 0.92), (28, 1.0))
HGB_CURVE = ((-5, 1.0), (7, 0.93), (14, 0.9), (28, 0.96), (60, 1.0))
LIVER_CURVE = ((0, 1.0), (7, 1.4), (14, 1.2), (28, 1.0))
FERRITIN_CURVE = ((0, 1.0), (4, 3.5), (7, 4.0), (14, 2.0), (28, 1.2), (60, 1.0))
IGG_CURVE = ((0, 1.0), (14, 0.95), (28, 0.82), (60, 0.7), (90, 0.65), (180, 0.62), (365, 0.7))
IGM_CURVE = ((0, 1.0), (28, 0.6), (90, 0.4), (365, 0.5))
#: Baseline lab values that differ from the usual ones, per indication (before the per-patient spread).
DISEASE_LABS: Mapping[str, Mapping[str, float]] = {
    "SLE": {"c3": 0.58, "c4": 0.08, "neut": 2.6, "lymph": 0.95, "hgb": 112, "upcr": 0.3, "rbc": 4},
    "LN": {"c3": 0.5, "c4": 0.07, "creat": 88, "alb": 31, "upcr": 2.3, "rbc": 25, "lymph": 1.0},
    "ITP": {"c3": 0.62, "c4": 0.09, "plat": 30, "hgb": 108, "upcr": 0.2, "rbc": 3},
    "AAV": {"creat": 105, "crp": 18, "upcr": 0.8, "rbc": 15, "hgb": 109},
    "DM": {"ferritin": 780, "ldh": 320, "alt": 52, "ast": 60, "crp": 9},
}


@dataclass(frozen=True)
class CrsCourse:
    """The patient's CRS: first and last day of fever, the day it was worst and its worst ASTCT grade."""

    onset: int
    end: int
    worst: int
    grade: int


@dataclass(frozen=True)
class Patient:
    """One demo subject's physiology: demographics, body size, baseline labs, disease and planned toxicities."""

    sex: str
    age: int
    height: float
    weight: float
    childbearing: bool
    disease: Disease
    base: Mapping[str, float]
    neut_nadir: float
    crs: CrsCourse | None = None

    @property
    def bsa(self) -> float:
        """Body surface area (Mosteller), m2."""
        return round(math.sqrt(self.height * self.weight / 3600), 2)


def make_patient(rng: random.Random, kind: str, *, sex: str | None = None, crs: CrsCourse | None = None,
                 neut_grade: int = 3) -> Patient:
    """A plausible patient with indication `kind`; neutropenia after lymphodepletion reaches CTCAE `neut_grade`."""
    sex = sex or ("M" if rng.random() < (0.4 if kind == "AAV" else 0.12) else "F")
    age = max(19, min(66, round(rng.gauss(52 if kind in ("AAV", "DM") else 33, 8))))
    height = rng.gauss(170 if sex == "M" else 159, 5)
    weight = rng.gauss(68 if sex == "M" else 55, 6)
    base = {name: rng.gauss(mean, sd * 0.6) for name, (mean, sd) in USUAL.items()}
    base |= {name: value * rng.uniform(0.9, 1.1) for name, value in DISEASE_LABS[kind].items()}
    base.setdefault("upcr", rng.uniform(0.06, 0.15))
    base.setdefault("rbc", rng.uniform(1, 3))
    nadir = {2: rng.uniform(1.05, 1.4), 3: rng.uniform(0.55, 0.95), 4: rng.uniform(0.2, 0.45)}[neut_grade]
    childbearing = sex == "F" and age < 50 and rng.random() < 0.9
    return Patient(sex, age, round(height, 1), round(weight, 1), childbearing, make_disease(rng, kind), base,
                   nadir, crs)


def in_crs(patient: Patient, day: int) -> bool:
    return patient.crs is not None and patient.crs.onset <= day <= patient.crs.end


def haematology(patient: Patient, day: int, rng: random.Random) -> dict[str, object]:
    """Blood counts at `day`: neutrophil nadir about day 7, lymphocytes emptied by lymphodepletion, then recovery."""
    b = patient.base
    ratio = patient.neut_nadir / b["neut"]
    neut = b["neut"] * curve(day, ((-5, 1.0), (0, 0.9), (1, 0.8), (4, min(0.7, ratio * 1.8)), (7, ratio),
                                   (10, ratio * 1.3), (14, 0.55), (21, 0.85), (28, 1.0)))
    plat = b["plat"] * curve(day, PLAT_CURVE)
    if patient.disease.kind == "ITP":  # the thrombocytopenia itself responds to treatment
        plat = 190 - (190 - b["plat"]) * activity_level(patient.disease, day)
    values = _vary({"neut": neut, "lymph": b["lymph"] * curve(day, LYMPH_CURVE),
                    "hgb": b["hgb"] * curve(day, HGB_CURVE), "plat": plat}, rng)
    values["wbc"] = values["neut"] + values["lymph"] + rng.uniform(0.3, 0.7)
    return {**values, **_limits(values)}


def chemistry(patient: Patient, day: int, rng: random.Random) -> dict[str, object]:
    """Chemistry at `day`: transaminases and LDH up a little in the second week, CRP and ferritin with CRS."""
    b = patient.base
    liver = curve(day, LIVER_CURVE) if day > 0 else 1.0
    crs_factor = 1.0 if patient.crs is not None else 0.5
    values = {"alt": b["alt"] * liver, "ast": b["ast"] * liver, "bili": b["bili"], "bilidir": b["bilidir"],
              "creat": b["creat"], "alb": 40 - (40 - b["alb"]) * activity_level(patient.disease, day),
              "crp": b["crp"] + (_crp_peak(patient, day) if in_crs(patient, day) else rng.uniform(0, 1.5)),
              "ldh": b["ldh"] * (curve(day, LIVER_CURVE) if day > 0 else 1.0),
              "ferritin": b["ferritin"] * (1 + (curve(day, FERRITIN_CURVE) - 1) * crs_factor)}
    values = _vary(values, rng)
    values["bilidir"] = min(values["bilidir"], values["bili"] * 0.4)
    return {**values, **_limits(values)}


def _crp_peak(patient: Patient, day: int) -> float:
    assert patient.crs is not None
    peak = 85.0 if patient.crs.grade >= 2 else 45.0
    return peak * (1 - 0.25 * abs(day - patient.crs.worst))


def coagulation(patient: Patient, day: int, rng: random.Random) -> dict[str, object]:
    """Clotting tests: normal, with fibrinogen raised during CRS."""
    b = patient.base
    values = _vary({"inr": b["inr"], "pt": b["pt"], "aptt": b["aptt"],
                    "fibrino": b["fibrino"] + (1.6 if in_crs(patient, day) else 0.0)}, rng, 0.03)
    return {**values, **_limits(values)}


def immunology(patient: Patient, day: int, rng: random.Random) -> dict[str, object]:
    """Immunoglobulins fall with B-cell depletion; complement recovers as the disease calms."""
    b, level = patient.base, activity_level(patient.disease, day)
    after = max(day, 0)
    values = _vary({"igg": b["igg"] * curve(after, IGG_CURVE), "iga": b["iga"] * curve(after, ((0, 1.0), (90, 0.82))),
                    "igm": b["igm"] * curve(after, IGM_CURVE), "c3": 0.98 - (0.98 - b["c3"]) * level,
                    "c4": 0.21 - (0.21 - b["c4"]) * level}, rng)
    return {**values, **_limits(values)}


def urinalysis(patient: Patient, day: int, rng: random.Random) -> dict[str, object]:
    """Proteinuria and haematuria that settle with disease activity; casts while nephritis is active."""
    level = activity_level(patient.disease, day)
    upcr = 0.08 + (patient.base["upcr"] - 0.08) * level
    active_casts = "urinary_casts" in patient.disease.descriptors and level > 0.5
    return {"upcr": upcr * rng.uniform(0.9, 1.1), "prot24h": upcr * rng.uniform(0.85, 1.05),
            "rbc": 2 + (patient.base["rbc"] - 2) * level, "wbc": rng.uniform(1, 5),
            "casts": "POSITIVE" if active_casts else "NEGATIVE", "casts_type": ["RBC"] if active_casts else None}


def vital_signs(patient: Patient, day: int, rng: random.Random) -> dict[str, object]:
    """Vital signs: normal, febrile and tachycardic during CRS (hypoxic on oxygen at the worst of grade 2)."""
    fever = in_crs(patient, day)
    worst = patient.crs is not None and fever and day == patient.crs.worst and patient.crs.grade >= 2
    return {"temp": rng.uniform(38.3, 39.2) if fever else rng.gauss(36.6, 0.2),
            "pulse": rng.gauss(104 if fever else 76, 6), "sysbp": rng.gauss(108 if fever else 117, 8),
            "diabp": rng.gauss(66 if fever else 74, 5), "resp": rng.gauss(22 if worst else 16, 1.5),
            "oxysat": rng.uniform(92, 94) if worst else rng.gauss(98, 0.6), "oxysat_o2": "Y" if worst else "N",
            "weight": patient.weight + rng.uniform(-0.8, 0.8), "height": patient.height}


def _vary(values: Mapping[str, float], rng: random.Random, spread: float = 0.05) -> dict[str, float]:
    """`values` with the scatter of repeated measurements (each within +/- `spread`)."""
    return {name: value * rng.uniform(1 - spread, 1 + spread) for name, value in values.items()}


def _limits(values: Mapping[str, float]) -> dict[str, object]:
    """The printed reference limits of the results in `values`."""
    limits: dict[str, object] = {}
    for name in values:
        low, high = REFERENCE.get(name, (None, None))
        if high is not None:
            limits[f"{name}_uln"] = high
        if low is not None:
            limits[f"{name}_lln"] = low
    return limits


LABS = {"haematology": haematology, "chemistry": chemistry, "coagulation": coagulation, "immunology": immunology,
        "urinalysis": urinalysis, "vital_signs": vital_signs}
"""form id -> the function giving a patient's values of that form at a study day."""
