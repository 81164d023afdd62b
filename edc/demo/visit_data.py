"""The records a treated subject's visits collect, form by form: treatment, disease activity, labs, medications.

`visit_records` answers for any scheduled or unscheduled visit: the
lymphodepletion course (fludarabine and cyclophosphamide on days -5 to -3),
the infusion at the trial's dose level (flat, or per kg of body weight), the
apheresis product, disease activity from `edc.demo.activity` and vital signs
and labs from `edc.demo.clinical`. `medication_values` turns a medication
into its log record as known on the day it is entered.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import PER_KG_UNITS
from edc.demo.activity import autoantibody_values, bilag_values, pga_value, sledai_values
from edc.demo.clinical import LABS, Patient
from edc.demo.events import Medication, medication
from edc.demo.plan import SubjectPlan
from edc.demo.screening import Therapy, months_before
from edc.demo.vasculitis_myositis import bvas_values, mdaat_values, mmt8_values

Values = dict[str, object]
DRUG_NAMES = {"prednisone": "Prednisone", "methylprednisolone": "Methylprednisolone"}
#: Background immunosuppressants and biologics: (name, dose, unit, frequency, route).
AGENT_REGIMENS: dict[str, tuple[str, float, str, str, str]] = {
    "MYCOPHENOLATE": ("Mycophenolate mofetil", 750, "mg", "BID", "ORAL"),
    "TACROLIMUS": ("Tacrolimus", 2, "mg", "BID", "ORAL"),
    "METHOTREXATE": ("Methotrexate", 15, "mg", "EVERY WEEK", "ORAL"),
    "AZATHIOPRINE": ("Azathioprine", 100, "mg", "QD", "ORAL"),
    "CICLOSPORIN": ("Ciclosporin", 100, "mg", "BID", "ORAL"),
    "CYCLOPHOSPHAMIDE": ("Cyclophosphamide", 500, "mg", "EVERY 2 WEEKS", "INTRAVENOUS"),
    "BELIMUMAB": ("Belimumab", 10, "mg/kg", "EVERY 4 WEEKS", "INTRAVENOUS"),
    "TELITACICEPT": ("Telitacicept", 160, "mg", "EVERY WEEK", "SUBCUTANEOUS"),
    "RITUXIMAB": ("Rituximab", 1000, "mg", "ONCE", "INTRAVENOUS"),
}


def planned_cells(study: StudyDefinition, dose_level: str, weight: float) -> float:
    """The planned number of CAR+ T cells (10^6) for a dose level, per kg levels times the body weight."""
    level = next(d for d in study.spec.dose_levels if d.id == dose_level)
    millions = level.dose.value / 1e6 if level.dose.unit in ("cells", "cells/kg") else level.dose.value
    return millions * weight if level.dose.unit in PER_KG_UNITS else millions


def lymphodepletion(patient: Patient, on: date, rng: random.Random) -> list[Values]:
    """Fludarabine and cyclophosphamide on three consecutive days from `on`."""
    flu, cy = rng.choice((25.0, 30.0)), rng.choice((250.0, 300.0, 500.0))
    records: list[Values] = []
    for offset in range(3):
        day = (on + timedelta(days=offset)).isoformat()
        records.append({"exdat": day, "extrt": "FLUDARABINE", "exdose": flu, "bsa": patient.bsa, "exadj": "N"})
        records.append({"exdat": day, "extrt": "CYCLOPHOSPHAMIDE", "exdose": cy, "bsa": patient.bsa, "exadj": "N"})
    return records


def infusion(study: StudyDefinition, plan: SubjectPlan, rng: random.Random) -> Values:
    """The CAR-T infusion at the subject's dose level, within a few percent of the plan."""
    assert plan.dose_level is not None
    weight = round(plan.patient.weight, 1)
    planned = round(planned_cells(study, plan.dose_level, weight), 2)
    return {"dose_level": plan.dose_level, "dose_planned": planned, "weight_kg": weight,
            "cells_infused": planned * rng.uniform(0.9, 1.08), "infusion_reaction": "N"}


def visit_records(study: StudyDefinition, plan: SubjectPlan, form_id: str, day: int,
                  rng: random.Random) -> list[Values]:
    """The records of `form_id` at a visit on study day `day` (days from the infusion)."""
    patient, disease = plan.patient, plan.patient.disease
    if form_id in LABS:
        return [LABS[form_id](patient, day, rng)]
    if form_id == "lymphodepletion":
        assert plan.infusion is not None
        return lymphodepletion(patient, plan.infusion + timedelta(days=day), rng)
    builders: dict[str, Callable[[], Values]] = {
        "sledai": lambda: sledai_values(disease, day), "bilag": lambda: bilag_values(disease, day),
        "pga": lambda: {"pga": pga_value(disease, day, rng)},
        "autoantibodies": lambda: autoantibody_values(disease, day, rng),
        "pregnancy_test": lambda: {"childbearing": "Y" if patient.childbearing else "N"},
        "leukapheresis": lambda: {"lkcells": rng.uniform(6000, 14000)},
        "cart_infusion": lambda: infusion(study, plan, rng),
        "bvas": lambda: bvas_values(disease, day, first=False),
        "mmt8": lambda: mmt8_values(disease, day, rng), "mdaat": lambda: mdaat_values(disease, day, rng),
    }
    build = builders.get(form_id)
    return [build() if build is not None else {}]


def background_medications(therapy: Therapy, screened: date, stop: date | None) -> list[Medication]:
    """The subject's standard treatment; immunosuppressants and biologics end on `stop` (before lymphodepletion)."""
    month = months_before(screened, therapy.regimen_months)  # the site knows the month treatment started
    since = date(int(month[:4]), int(month[5:7]), 1)
    drug = therapy.gc_drug
    meds = [medication(DRUG_NAMES.get(drug, drug.title()), therapy.indication, therapy.gc_dose, "mg", "QD",
                       "ORAL", since, None, cmgc="Y", cmgcdrug=drug, cmstdat=month)]
    if therapy.antimalarial:
        meds.append(medication("Hydroxychloroquine", "Systemic lupus erythematosus", 200, "mg", "BID", "ORAL",
                               since, None, cmstdat=month))
    for agent in (*therapy.immunosuppressants, *therapy.biologics):
        name, dose, unit, frequency, route = AGENT_REGIMENS[agent]
        end = since if frequency == "ONCE" else stop
        meds.append(medication(name, therapy.indication, dose, unit, frequency, route, since, end, cmstdat=month))
    return meds


def infusion_day_medications(day0: date) -> list[Medication]:
    """Premedication before the infusion and the antimicrobial prophylaxis started on day 0."""
    return [medication("Paracetamol", "Premedication before CAR-T infusion", 500, "mg", "ONCE", "ORAL", day0, day0),
            medication("Chlorphenamine", "Premedication before CAR-T infusion", 4, "mg", "ONCE", "ORAL", day0, day0),
            medication("Aciclovir", "Antiviral prophylaxis", 400, "mg", "BID", "ORAL", day0, None),
            medication("Sulfamethoxazole-trimethoprim", "Pneumocystis prophylaxis", 960, "mg", "QOD", "ORAL", day0,
                       None)]


def medication_values(med: Medication, entered: date) -> Values:
    """A medication's log record as known on `entered`: ongoing unless it ended by then."""
    ended = med.end is not None and med.end <= entered
    return {"cmstdat": med.start.isoformat(), **med.values, "cmongo": "N" if ended else "Y",
            "cmendat": med.end.isoformat() if ended and med.end is not None else None}
