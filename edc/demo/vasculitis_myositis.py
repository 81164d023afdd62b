"""Disease activity of the demo's vasculitis and dermatomyositis patients: BVAS v3, MMT-8 and MDAAT, easing after CAR-T.

An ANCA vasculitis patient starts with renal, ENT, lung and general features
(BVAS v3, new or worse at the first assessment, persistent after it) that
resolve in turn as activity falls; an MDA5-positive dermatomyositis patient
with proximal weakness (MMT-8 on the right side) and skin, lung and joint
activity (the MDAAT's MYOACT scales). The pace is the same curve as the lupus
patients' (`edc.demo.activity.activity_level`).
"""

from __future__ import annotations

import math
import random

from edc.definitions.functions import BVAS_CREATININE_BANDS, BVAS_SYSTEMS
from edc.demo.activity import Disease, activity_level

#: The vasculitis picture at the first assessment, in the order the features resolve (first: soonest).
BVAS_FEATURES = ("fever", "arthralgia", "weight_loss", "sinus_involvement", "nasal_discharge_crusts",
                 "pulmonary_infiltrate", "haematuria", "proteinuria")
#: MMT-8 muscle groups with the points (of 10) lost at baseline: proximal weakness, distal spared.
MMT8_DEFICIT = {"neck_flexors": 3, "deltoid_middle": 4, "biceps_brachii": 2, "wrist_extensors": 0,
                "gluteus_maximus": 4, "gluteus_medius": 3, "quadriceps": 2, "ankle_dorsiflexors": 0}
#: MYOACT organ-system VAS (cm) at baseline: the lung leads in MDA5-positive dermatomyositis.
MYOACT_BASELINE = {"myoact_constitutional": 3.0, "myoact_cutaneous": 5.5, "myoact_skeletal": 2.0,
                   "myoact_gastrointestinal": 1.0, "myoact_pulmonary": 6.0, "myoact_cardiac": 0.0,
                   "myoact_muscle": 4.5}


def bvas_values(disease: Disease, day: int, *, first: bool) -> dict[str, object]:
    """Every BVAS v3 item at `day`: the slowest-resolving features persist longest; new at the first assessment."""
    level = activity_level(disease, day)
    kept = set(BVAS_FEATURES[len(BVAS_FEATURES) - math.ceil(len(BVAS_FEATURES) * level):])
    values: dict[str, object] = {name: name in kept for items in BVAS_SYSTEMS.values() for name in items}
    values |= {"bvas_first": first, "bvas_persistent": bool(kept) and not first}
    values |= {band: (band == "creatinine_125_249") if first else None for band in BVAS_CREATININE_BANDS}
    return values


def mmt8_values(disease: Disease, day: int, rng: random.Random) -> dict[str, object]:
    """The eight muscle grades (Kendall 0-10) at `day`, tested on the right; strength returns as activity falls."""
    level = activity_level(disease, day)
    values: dict[str, object] = {"mmt8_left": False}
    for muscle, deficit in MMT8_DEFICIT.items():
        values[muscle] = max(0, min(10, round(10 - deficit * level + rng.uniform(-0.3, 0.3))))
    return values


def mdaat_values(disease: Disease, day: int, rng: random.Random) -> dict[str, object]:
    """The MYOACT VAS per organ system and the extramuscular global at `day` (cm, one decimal)."""
    level = activity_level(disease, day)
    values: dict[str, object] = {name: _vas(cm * level, rng) for name, cm in MYOACT_BASELINE.items()}
    extramuscular = [v for name, v in values.items() if name != "myoact_muscle"]
    values["extramuscular_global"] = _vas(max(float(str(v)) for v in extramuscular) * 0.9, rng)
    return values


def _vas(cm: float, rng: random.Random) -> float:
    return 0.0 if cm <= 0 else round(min(10.0, max(0.0, cm + rng.gauss(0, 0.2))), 1)
