"""Disease activity of a demo patient: SLEDAI descriptors, BILAG grades, PGA and autoantibodies, declining after CAR-T.

Each patient gets a baseline picture that fits their indication (general SLE,
lupus nephritis, SLE with immune thrombocytopenia, ANCA vasculitis, MDA5+
dermatomyositis). After the infusion the disease responds as reported for
CD19 CAR-T in autoimmune disease: clinical features resolve within weeks,
serology (complement, anti-dsDNA) and proteinuria last, over months. The
pace is the curve `activity_level`, stretched per patient by `response`.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

#: Fraction of the baseline disease activity left at a day after infusion (linear in between).
ACTIVITY_CURVE = ((0, 1.0), (28, 0.55), (60, 0.3), (90, 0.15), (180, 0.06), (270, 0.03), (365, 0.0))
#: SLEDAI descriptors in the order they resolve after infusion (first: soonest).
RESOLUTION_ORDER = ("fever", "mucosal_ulcers", "rash", "alopecia", "pleurisy", "pericarditis", "vasculitis",
                    "arthritis", "myositis", "leukopenia", "pyuria", "haematuria", "urinary_casts",
                    "thrombocytopenia", "increased_dna_binding", "low_complement", "proteinuria")
SLEDAI_BOOLEANS = ("seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance", "cranial_nerve_disorder",
                   "lupus_headache", "cva", "vasculitis", "arthritis", "myositis", "urinary_casts", "haematuria",
                   "pyuria", "pleurisy", "pericarditis", "low_complement", "increased_dna_binding", "fever",
                   "thrombocytopenia", "leukopenia")
SLEDAI_ONSET = ("rash", "alopecia", "mucosal_ulcers", "proteinuria")
BILAG_SYSTEMS = ("constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal", "cardiorespiratory",
                 "gastrointestinal", "ophthalmic", "renal", "haematological")
_GRADES = "ABCD"


@dataclass(frozen=True)
class Disease:
    """A patient's disease at baseline: indication, active SLEDAI descriptors, BILAG grades, PGA, antibodies."""

    kind: str
    descriptors: tuple[str, ...]
    onset: str
    bilag: Mapping[str, str]
    pga: float
    antibodies: Mapping[str, float]
    response: float


def curve(day: float, points: tuple[tuple[int, float], ...]) -> float:
    """Linear interpolation of `points` (day, value) at `day`; flat before the first and after the last."""
    if day <= points[0][0]:
        return points[0][1]
    for (d0, v0), (d1, v1) in itertools.pairwise(points):
        if day <= d1:
            return v0 + (v1 - v0) * (day - d0) / (d1 - d0)
    return points[-1][1]


def activity_level(disease: Disease, day: int) -> float:
    """Fraction of baseline activity left `day` days after infusion (1.0 up to the infusion)."""
    return 1.0 if day <= 0 else curve(day * disease.response, ACTIVITY_CURVE)


def make_disease(rng: random.Random, kind: str) -> Disease:
    """A baseline disease picture for indication `kind` (SLE, LN, ITP, AAV or DM)."""
    descriptors = _descriptors(rng, kind)
    return Disease(kind, descriptors, rng.choice(("NEW", "RECURRENT")), _bilag(rng, kind, descriptors),
                   round(rng.uniform(1.5, 2.4), 1), _antibodies(rng, kind), rng.uniform(0.85, 1.25))


def _descriptors(rng: random.Random, kind: str) -> tuple[str, ...]:
    if kind in ("AAV", "DM"):
        return ()
    serology = ["low_complement", "increased_dna_binding"]
    if kind == "LN":
        extra = ["proteinuria", "haematuria"] + (["urinary_casts"] if rng.random() < 0.5 else [])
        return (*serology, *extra, *(["rash"] if rng.random() < 0.5 else []))
    if kind == "ITP":
        return (*serology, "thrombocytopenia", "arthritis", *(["rash"] if rng.random() < 0.5 else []))
    clinical = ["arthritis", "rash", rng.choice(("alopecia", "mucosal_ulcers"))]
    clinical += [d for d, p in (("pleurisy", 0.2), ("vasculitis", 0.1), ("leukopenia", 0.3)) if rng.random() < p]
    return (*serology, *clinical)


def _bilag(rng: random.Random, kind: str, descriptors: tuple[str, ...]) -> dict[str, str]:
    grades = dict.fromkeys(BILAG_SYSTEMS, "E") | {"constitutional": "C"}
    involved = {
        "SLE": {"mucocutaneous": "B", "musculoskeletal": "B"},
        "LN": {"renal": "A", "mucocutaneous": "C"},
        "ITP": {"haematological": rng.choice(("A", "B")), "musculoskeletal": "C"},
        "AAV": {"renal": "B", "constitutional": "B", "cardiorespiratory": "C"},
        "DM": {"mucocutaneous": "B", "musculoskeletal": "B", "cardiorespiratory": "B"},
    }[kind]
    if "pleurisy" in descriptors:
        involved = {**involved, "cardiorespiratory": "B"}
    if "leukopenia" in descriptors:
        involved = {**involved, "haematological": "C"}
    return grades | involved


def _antibodies(rng: random.Random, kind: str) -> dict[str, float]:
    """Baseline antibody levels (assay units; 0 = negative) and the ANA titre."""
    if kind == "AAV":
        target = rng.choice(("anca_mpo", "anca_mpo", "anca_pr3"))
        return {"ana_titer": rng.choice((0, 0, 80)), target: rng.uniform(60, 200)}
    if kind == "DM":
        return {"ana_titer": rng.choice((0, 80, 160)), "anti_mda5": rng.uniform(60, 250)}
    levels = {"ana_titer": rng.choice((320, 640, 1280)), "anti_dsdna": rng.uniform(80, 400)}
    for name, p, low, high in (("anti_sm", 0.35, 40, 150), ("anti_rnp", 0.3, 30, 120),
                               ("anti_c1q", 0.8 if kind == "LN" else 0.2, 25, 80)):
        if rng.random() < p:
            levels[name] = rng.uniform(low, high)
    return levels


def sledai_values(disease: Disease, day: int, *, screening: bool = False) -> dict[str, object]:
    """The 24 descriptors at `day`: the slowest-resolving ones persist longest; onset items NEW only at screening."""
    present = [d for d in RESOLUTION_ORDER if d in disease.descriptors]
    kept = set(present[len(present) - math.ceil(len(present) * activity_level(disease, day)):])
    values: dict[str, object] = {name: name in kept for name in SLEDAI_BOOLEANS}
    for name in SLEDAI_ONSET:
        values[name] = "ABSENT" if name not in kept else disease.onset if screening else "PERSISTENT"
    return values


def bilag_values(disease: Disease, day: int) -> dict[str, object]:
    """Each organ system's grade at `day`: involved systems improve one grade per stage of response (A->B->C->D)."""
    level = activity_level(disease, day)
    steps = 0 if level >= 0.9 else 1 if level >= 0.5 else 2 if level >= 0.2 else 3
    return {system: grade if grade == "E" else _GRADES[min(3, _GRADES.index(grade) + steps)]
            for system, grade in disease.bilag.items()}


def pga_value(disease: Disease, day: int, rng: random.Random) -> float:
    """Physician global assessment (0-3) at `day`, with a little observer noise."""
    return round(min(3.0, max(0.0, disease.pga * activity_level(disease, day) + rng.gauss(0, 0.08))), 1)


def autoantibody_values(disease: Disease, day: int, rng: random.Random, *,
                        screening: bool = False) -> dict[str, object]:
    """Qualitative results and levels at `day`; levels fall with activity, ANA persists at a lower titre."""
    level = activity_level(disease, day)
    values: dict[str, object] = {}
    titer = int(disease.antibodies.get("ana_titer", 0))
    while titer > 80 and level < 0.6:
        titer, level = titer // 2, level * 2
    values["ana"] = "POSITIVE" if titer else "NEGATIVE"
    values["ana_titer"] = titer or None
    remaining = (0.12 + 0.88 * activity_level(disease, day)) * rng.uniform(0.92, 1.08)
    for name in ("anti_dsdna", "anti_sm", "anti_rnp", "anti_c1q", "acl_igg", "acl_igm", "acl_iga", "anti_mda5",
                 "anca_pr3", "anca_mpo"):
        base = disease.antibodies.get(name)
        if base is None:
            values[name] = "NEGATIVE"  # its level is left to the profile: a low, negative reading
            continue
        values[f"{name}_val"] = round(base * remaining, 1)
        values[name] = "POSITIVE" if base * remaining >= (30.0 if name == "anti_dsdna" else 20.0) else "NEGATIVE"
    if screening and disease.kind == "AAV":
        values["anca_hist"] = ["MPO" if "anca_mpo" in disease.antibodies else "PR3"]
    return values
