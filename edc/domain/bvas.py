"""BVAS v3, the Birmingham Vasculitis Activity Score (Mukhtyar et al., Ann Rheum Dis 2009;68:1827-32).

Fifty-six items in nine organ systems, each ticked when attributable to
active vasculitis. Each item has two published weights: one for persistent
disease and one for new or worse disease (in the prior 4 weeks). The form's
PERSISTENT box says that every abnormality is persistent disease; then the
persistent weights apply, otherwise the new/worse ones. An organ system
scores the sum of its ticked items' weights, capped at the system's maximum
(persistent or new/worse); the total is the sum of the nine systems (0-33
persistent, 0-63 new/worse).

Three items are never persistent disease (the glossary's asterisk: sudden
visual loss, nodules or cavities, a rise in creatinine): ticked with the
PERSISTENT box they are a contradiction, refused as ValueError. The three
serum creatinine bands are scored only at the patient's first assessment
(the form asks them only then; at most one is ticked, an edit check says).

Every function returns None while an item is missing: a score of an
incomplete assessment would be wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from edc.definitions.functions import BVAS_CREATININE_BANDS, BVAS_SYSTEMS
from edc.domain._common import read_bool


@dataclass(frozen=True)
class Weights:
    """An item's (or an organ system's maximum) persistent and new/worse score; None: never persistent."""

    persistent: int | None
    new_worse: int


BVAS_WEIGHTS: Mapping[str, Weights] = MappingProxyType({
    # 1. General
    "myalgia": Weights(1, 1), "arthralgia": Weights(1, 1), "fever": Weights(2, 2), "weight_loss": Weights(2, 2),
    # 2. Cutaneous
    "skin_infarct": Weights(1, 2), "purpura": Weights(1, 2), "skin_ulcer": Weights(1, 4),
    "gangrene": Weights(2, 6), "other_skin_vasculitis": Weights(1, 2),
    # 3. Mucous membranes / eyes
    "mouth_ulcers": Weights(1, 2), "genital_ulcers": Weights(1, 1), "adnexal_inflammation": Weights(2, 4),
    "proptosis": Weights(2, 4), "scleritis": Weights(1, 2), "conjunctivitis": Weights(1, 1),
    "blurred_vision": Weights(2, 3), "sudden_visual_loss": Weights(None, 6), "uveitis": Weights(2, 6),
    "retinal_changes": Weights(2, 6),
    # 4. ENT
    "nasal_discharge_crusts": Weights(2, 4), "sinus_involvement": Weights(1, 2),
    "subglottic_stenosis": Weights(3, 6), "conductive_hearing_loss": Weights(1, 3),
    "sensorineural_hearing_loss": Weights(2, 6),
    # 5. Chest
    "wheeze": Weights(1, 2), "nodules_cavities": Weights(None, 3), "pleural_effusion": Weights(2, 4),
    "pulmonary_infiltrate": Weights(2, 4), "endobronchial": Weights(2, 4), "alveolar_haemorrhage": Weights(4, 6),
    "respiratory_failure": Weights(4, 6),
    # 6. Cardiovascular
    "loss_of_pulses": Weights(1, 4), "valvular_disease": Weights(2, 4), "pericarditis": Weights(1, 3),
    "ischaemic_cardiac_pain": Weights(2, 4), "cardiomyopathy": Weights(3, 6), "heart_failure": Weights(3, 6),
    # 7. Abdominal
    "peritonitis": Weights(3, 9), "bloody_diarrhoea": Weights(3, 9), "ischaemic_abdominal_pain": Weights(2, 6),
    # 8. Renal (serum creatinine 125-249, 250-499 and >= 500 umol/L)
    "hypertension": Weights(1, 4), "proteinuria": Weights(2, 4), "haematuria": Weights(3, 6),
    "creatinine_125_249": Weights(2, 4), "creatinine_250_499": Weights(3, 6), "creatinine_500": Weights(4, 8),
    "creatinine_rise": Weights(None, 6),
    # 9. Nervous system
    "headache": Weights(1, 1), "meningitis": Weights(1, 3), "organic_confusion": Weights(1, 3),
    "seizures": Weights(3, 9), "cva": Weights(3, 9), "spinal_cord_lesion": Weights(3, 9),
    "cranial_nerve_palsy": Weights(3, 6), "sensory_neuropathy": Weights(3, 6),
    "mononeuritis_multiplex": Weights(3, 9),
})
"""The published weights of the 56 items, by item name."""

BVAS_SYSTEM_MAX: Mapping[str, tuple[int, int]] = MappingProxyType({
    "general": (2, 3), "cutaneous": (3, 6), "mucous_membranes_eyes": (3, 6), "ent": (3, 6), "chest": (3, 6),
    "cardiovascular": (3, 6), "abdominal": (4, 9), "renal": (6, 12), "nervous_system": (6, 9),
})
"""Each organ system's maximum score: (persistent, new/worse)."""

BVAS_MAX_PERSISTENT = 33
BVAS_MAX_NEW_WORSE = 63


def bvas_v3_total(record: Mapping[str, object]) -> int | None:
    """The BVAS v3 total: the sum of the nine organ-system scores (0-63; 0-33 for persistent disease only)."""
    scores = bvas_v3_systems(record)
    return None if scores is None else sum(scores.values())


def bvas_v3_system(record: Mapping[str, object], *, system: str) -> int | None:
    """One organ system's score, capped at its published maximum (reads that system's items only)."""
    items = BVAS_SYSTEMS.get(system)
    if items is None:
        raise ValueError(f"unknown BVAS organ system {system!r}")
    persistent, first = read_bool(record, "bvas_persistent"), read_bool(record, "bvas_first")
    if persistent is None or first is None:
        return None
    points = 0
    for name in items:
        weights = _item_weight(record, name, first)
        if weights is None:
            return None
        points += _pick(weights, persistent, name)
    return min(points, BVAS_SYSTEM_MAX[system][0 if persistent else 1])


def bvas_v3_systems(record: Mapping[str, object]) -> dict[str, int] | None:
    """Every organ system's score; None while the flags or an item are missing, ValueError for an item that
    is never persistent disease ticked with the PERSISTENT box."""
    scores = {system: bvas_v3_system(record, system=system) for system in BVAS_SYSTEMS}
    if any(score is None for score in scores.values()):
        return None
    return {system: score for system, score in scores.items() if score is not None}


def _item_weight(record: Mapping[str, object], name: str, first: bool) -> Weights | None:
    """The weights a recorded item scores (0 when not ticked); None while it is missing."""
    if name in BVAS_CREATININE_BANDS and not first:  # the bands are scored at the first assessment only
        return Weights(0, 0)
    ticked = read_bool(record, name)
    if ticked is None:
        return None
    return BVAS_WEIGHTS[name] if ticked else Weights(0, 0)


def _pick(weights: Weights, persistent: bool, name: str) -> int:
    if not persistent:
        return weights.new_worse
    if weights.persistent is None:
        raise ValueError(f"{name} is always new or worse disease: it cannot be scored with the PERSISTENT box")
    return weights.persistent
