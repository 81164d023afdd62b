"""Screening data that makes a subject eligible for their trial and cohort, or fails exactly one chosen criterion.

The values follow each study's eligibility rules (`forms/<study>/study.yaml`):
disease history and treatment that satisfy the trial's corticosteroid and
regimen criteria, disease activity above the trial's SLEDAI / BILAG / PGA
thresholds (see `edc.demo.activity`), organ function within the laboratory
limits, negative infection serology and pregnancy test. A screen failure
gets the same picture with one deliberate deviation from `FAILURES`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from edc.demo.activity import autoantibody_values, bilag_values, pga_value, sledai_values
from edc.demo.clinical import LABS, Patient
from edc.demo.profiles import HISTORY_TERMS
from edc.demo.vasculitis_myositis import bvas_values, mdaat_values, mmt8_values

Values = dict[str, object]


@dataclass(frozen=True)
class Therapy:
    """The standard treatment a subject is on at screening."""

    gc_drug: str
    gc_dose: float
    regimen_months: int
    immunosuppressants: tuple[str, ...]
    biologics: tuple[str, ...]
    antimalarial: bool
    indication: str


@dataclass(frozen=True)
class Failure:
    """A deliberate screen failure: the form and values that break one criterion, and how the site words it."""

    form_id: str
    values: Mapping[str, object]
    reason: str


FAILURES: Mapping[str, Failure] = {
    "EXC09": Failure("immunology", {"iga": 6.5}, "IgA deficiency, serum IgA 6.5 mg/dL (exclusion criterion EXC09)"),
    "INC05": Failure("sle_history", {"gc_drug": "prednisone", "gc_dose": 40},
                     "Prednisone 40 mg/day, above the 30 mg/day maximum (inclusion criterion INC05 not met)"),
    "INC16": Failure("echocardiography", {"lvef": 45, "cvintp": "ABNORMAL", "cvclsig": "Y"},
                     "LVEF 45% on screening echocardiography (inclusion criterion INC16 not met)"),
    "EXC11": Failure("ecg", {"hr": 72, "qt": 436, "egintp": "ABNORMAL", "egclsig": "Y", "egabn": "Prolonged QTc"},
                     "QTcB 478 ms in a woman (exclusion criterion EXC11)"),
    "EXC05": Failure("infection_screen", {"hbsag": "POSITIVE", "hbcab": "POSITIVE", "hbv_dna": "NOT DETECTED"},
                     "HBsAg positive (exclusion criterion EXC05)"),
    "EXC12": Failure("vital_signs", {"sysbp": 168, "diabp": 96},
                     "Uncontrolled hypertension, 168/96 mmHg on two readings (exclusion criterion EXC12)"),
}
"""Criterion id -> how a demo subject fails it (the criterion must exist in the trial that uses it)."""

SLE_CRITERIA: Mapping[str, list[str]] = {"relmacel": ["ACR_1997", "SLICC_2012"],
                                         "rd0604": ["SLICC_2012", "EULAR_ACR_2019"]}
INDICATIONS = {"SLE": "Systemic lupus erythematosus", "LN": "Lupus nephritis",
               "ITP": "SLE with immune thrombocytopenia", "AAV": "ANCA-associated vasculitis",
               "DM": "Anti-MDA5 dermatomyositis"}
AGENTS = {"SLE": ("MYCOPHENOLATE", "TACROLIMUS", "METHOTREXATE", "AZATHIOPRINE"),
          "LN": ("MYCOPHENOLATE",), "ITP": ("CICLOSPORIN", "MYCOPHENOLATE"), "AAV": ("CYCLOPHOSPHAMIDE",),
          "DM": ("TACROLIMUS",)}


def months_before(day: date, months: int) -> str:
    """The partial date (YYYY-MM) `months` before `day`."""
    total = day.year * 12 + day.month - 1 - months
    return f"{total // 12}-{total % 12 + 1:02d}"


def make_therapy(rng: random.Random, study_id: str, kind: str) -> Therapy:
    """Standard treatment within the trial's corticosteroid limits; IC19 requires a biologic (its INC02)."""
    drug = rng.choice(("prednisone", "prednisone", "methylprednisolone"))
    dose = rng.choice((10.0, 12.5, 15.0, 20.0)) if drug == "prednisone" else rng.choice((8.0, 12.0, 16.0))
    if kind in ("AAV", "DM"):
        drug, dose = "prednisone", rng.choice((25.0, 30.0, 40.0))
    agents = ("MYCOPHENOLATE", "TACROLIMUS") if kind == "LN" else (rng.choice(AGENTS[kind]),)
    wants_biologic = study_id == "ic19" or kind == "AAV" or rng.random() < 0.4
    biologic = "RITUXIMAB" if kind == "AAV" else rng.choice(("BELIMUMAB", "TELITACICEPT"))
    return Therapy(drug, dose, rng.randint(3, 18), agents, (biologic,) if wants_biologic else (),
                   kind not in ("AAV", "DM"), INDICATIONS[kind])


def sle_history(study_id: str, patient: Patient, therapy: Therapy, on: date, rng: random.Random) -> Values:
    """Disease history and current treatment; the SLE items are asked only of SLE patients (CNCT19)."""
    kind = patient.disease.kind
    values: Values = {
        "sle_dx": "N" if kind in ("AAV", "DM") else "Y", "gc_current": "Y", "gc_drug": therapy.gc_drug,
        "gc_dose": therapy.gc_dose, "gc_stable_2w": "Y", "gc_high_8w": "N", "regimen_months": therapy.regimen_months,
        "antimalarial": "Y" if therapy.antimalarial else "N", "is_use": "Y",
        "is_agents": list(therapy.immunosuppressants), "biologic_use": "Y" if therapy.biologics else "N",
        "biologic_agents": list(therapy.biologics) or None}
    duration = rng.randint(24, 120)
    values |= {"sle_dxdat": months_before(on, duration), "sle_dur": duration,
               "sle_criteria": SLE_CRITERIA.get(study_id, ["ACR_1997", "EULAR_ACR_2019"]),
               "ln_biopsy": "Y" if kind == "LN" else "N", "ln_biodat": months_before(on, rng.randint(3, 14)),
               "ln_class": rng.choice(("IV", "IV", "III+V", "IV+V"))}
    return values


def medical_history(patient: Patient, on: date, rng: random.Random) -> list[Values]:
    """One to three other conditions; lupus nephritis patients also list their biopsy-proven nephritis."""
    terms = rng.sample(HISTORY_TERMS, rng.randint(1, 3))
    records: list[Values] = [{"mhterm": term, "mhstdat": months_before(on, rng.randint(6, 96)), "mhongo": "Y"}
                             for term in terms]
    if patient.disease.kind == "LN":
        records.append({"mhterm": "Lupus nephritis", "mhstdat": months_before(on, rng.randint(12, 60)), "mhongo": "Y"})
    return records


def itp_assessment(patient: Patient, on: date, rng: random.Random) -> list[Values]:
    """The platelet count before the screening one, smear, spleen and marrow (ITP cohort only)."""
    if patient.disease.kind != "ITP":
        return []
    previous = min(48.0, patient.base["plat"] * rng.uniform(0.85, 1.15))
    return [{"plat_prev_dat": (on - timedelta(days=rng.randint(8, 20))).isoformat(), "plat_prev": previous,
             "marrow_dat": (on - timedelta(days=rng.randint(25, 60))).isoformat()}]


def screening_records(study_id: str, form_id: str, patient: Patient, therapy: Therapy, on: date,
                      rng: random.Random, day: int = -42) -> list[Values]:
    """The records of `form_id` for a screening visit on `on` (a list: repeating forms may have several)."""
    disease = patient.disease
    if form_id == "medical_history":
        return medical_history(patient, on, rng)
    if form_id == "itp_assessment":
        return itp_assessment(patient, on, rng)
    builders: dict[str, Callable[[], Values]] = {
        "demographics": lambda: {"age": patient.age, "sex": patient.sex},
        "sle_history": lambda: sle_history(study_id, patient, therapy, on, rng),
        "sledai": lambda: sledai_values(disease, day, screening=True),
        "bilag": lambda: bilag_values(disease, day),
        "pga": lambda: {"pga": pga_value(disease, day, rng)},
        "autoantibodies": lambda: autoantibody_values(disease, day, rng, screening=True),
        "ecg": lambda: {"hr": rng.gauss(74, 6)},
        "pregnancy_test": lambda: {"childbearing": "Y" if patient.childbearing else "N"},
        "bvas": lambda: bvas_values(disease, day, first=True),
        "mmt8": lambda: mmt8_values(disease, day, rng), "mdaat": lambda: mdaat_values(disease, day, rng),
    }
    if form_id in LABS:
        return [LABS[form_id](patient, day, rng)]
    build = builders.get(form_id)
    return [build() if build is not None else {}]


def with_failure(form_id: str, records: list[Values], failure: str | None) -> list[Values]:
    """`records` with the deviation of `failure` applied when it concerns `form_id`."""
    if failure is None or FAILURES[failure].form_id != form_id:
        return records
    return [{**record, **FAILURES[failure].values} for record in records]
