"""ASTCT 2019 consensus grading (Lee et al., Biol Blood Marrow Transplant 2019): ICE score, CRS and ICANS.

Records map the item names of the definition language to booleans, numbers
and codelist codes. A grade is None when an input it needs is missing, and
ValueError is raised for an unknown code or a value of the wrong type.

The CRS components come from what the site measured: the fever criterion
from the highest temperature (`crs_fever_astct`), the hypoxia level from the
oxygen support and its flow (`crs_hypoxia_astct`). Their boundaries (fever
>= 38.0 C, low-flow nasal cannula <= 6 L/min) are the published ones, given
by the definition (the library's adverse event form), not fixed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from edc.definitions.functions import ICE_POINTS
from edc.domain._common import positive, read_bool, read_code, read_decimal

# The ten ICE points, one each: orientation (4), naming (3), commands, writing, counting.
# Their item names are the score's signature, declared with the definitions.
ICE_MAX = len(ICE_POINTS)

CRS_HYPOTENSION_GRADE: Mapping[str, int] = MappingProxyType({
    "NONE": 1, "NO_VASOPRESSOR": 2, "ONE_VASOPRESSOR": 3, "MULTIPLE_VASOPRESSORS": 4,
})
"""Least CRS grade each hypotension level implies once fever has declared CRS (vasopressin not counted)."""
CRS_HYPOXIA_GRADE: Mapping[str, int] = MappingProxyType({
    "NONE": 1, "LOW_FLOW": 2, "HIGH_FLOW": 3, "POSITIVE_PRESSURE": 4,
})
"""Least CRS grade each hypoxia level implies once fever has declared CRS (low flow <= 6 L/min)."""

NASAL_CANNULAS = frozenset({"NASAL_CANNULA_LOW_FLOW", "NASAL_CANNULA_HIGH_FLOW"})
"""Oxygen by nasal cannula: ASTCT defines its low and high flow by the flow, whichever cannula delivers it."""
CRS_OXYGEN_HYPOXIA: Mapping[str, str] = MappingProxyType({
    "NONE": "NONE",
    "BLOW_BY": "LOW_FLOW",  # "low flow also includes blow-by oxygen delivery" (ASTCT)
    "FACEMASK": "HIGH_FLOW", "NON_REBREATHER": "HIGH_FLOW", "VENTURI": "HIGH_FLOW",
    "CPAP_BIPAP": "POSITIVE_PRESSURE", "MECHANICAL_VENTILATION": "POSITIVE_PRESSURE",
})
"""The hypoxia level of each oxygen support other than a nasal cannula (codelist crs_oxygen_device)."""
CRS_OXYGEN_DEVICES = NASAL_CANNULAS | CRS_OXYGEN_HYPOXIA.keys()

ICANS_CONSCIOUSNESS_GRADE: Mapping[str, int] = MappingProxyType({
    "NORMAL": 0, "AWAKENS_SPONTANEOUSLY": 1, "AWAKENS_TO_VOICE": 2, "AWAKENS_TO_TOUCH": 3, "UNAROUSABLE": 4,
})
ICANS_SEIZURE_GRADE: Mapping[str, int] = MappingProxyType({
    "NONE": 0, "RAPIDLY_RESOLVING": 3, "PROLONGED_OR_REPETITIVE": 4,
})
ICANS_MOTOR_GRADE: Mapping[str, int] = MappingProxyType({"NONE": 0, "DEEP_FOCAL_WEAKNESS": 4})
ICANS_ICP_GRADE: Mapping[str, int] = MappingProxyType({"NONE": 0, "FOCAL_OEDEMA": 3, "DIFFUSE_OEDEMA": 4})
DEATH_GRADE = 5


def ice_score(record: Mapping[str, object]) -> int | None:
    """Immune effector Cell-associated Encephalopathy score (0-10): one point per ICE item done correctly.

    Orientation to year, month, city and hospital (4), naming three objects
    (3), following simple commands (1), writing a standard sentence (1),
    counting backwards from 100 by ten (1). None when any item is missing.
    """
    points = [read_bool(record, name) for name in ICE_POINTS]
    if any(point is None for point in points):
        return None
    return sum(1 for point in points if point)


def ice_grade(ice: int) -> int:
    """The ICANS grade the ICE score alone gives: 10 -> 0, 7-9 -> 1, 3-6 -> 2, 0-2 -> 3.

    ICE 0 is grade 4 only for an unarousable patient, which the consciousness
    domain carries (see `icans_grade_astct`).
    """
    ice = _valid_ice(ice)
    if ice == ICE_MAX:
        return 0
    if ice >= 7:
        return 1
    if ice >= 3:
        return 2
    return 3


def crs_grade_astct(record: Mapping[str, object]) -> int | None:
    """CRS grade 0-5 (ASTCT 2019) from crs_fever, crs_hypotension, crs_hypoxia and crs_death.

    - crs_death True (death due to CRS) -> 5, whatever else is recorded.
    - crs_fever False -> 0: fever is required to call CRS at all. The
      library computes crs_fever (`crs_fever_astct`), true also once
      antipyretics or anti-cytokine therapy mask the fever (ASTCT).
    - otherwise the worse of hypotension and hypoxia: none -> 1, no
      vasopressor / low flow -> 2, one vasopressor / high flow -> 3, several
      vasopressors / positive pressure -> 4.
    None when crs_death or crs_fever is missing, or (with fever) hypotension
    or hypoxia is missing.
    """
    death = read_bool(record, "crs_death")
    if death:
        return DEATH_GRADE
    fever = read_bool(record, "crs_fever")
    hypotension = read_code(record, "crs_hypotension", CRS_HYPOTENSION_GRADE)
    hypoxia = read_code(record, "crs_hypoxia", CRS_HYPOXIA_GRADE)
    if death is None or fever is None:
        return None
    if not fever:
        return 0
    if hypotension is None or hypoxia is None:
        return None
    return max(CRS_HYPOTENSION_GRADE[hypotension], CRS_HYPOXIA_GRADE[hypoxia])


def crs_fever_astct(record: Mapping[str, object], *, fever_min_c: float) -> bool | None:
    """The ASTCT fever criterion from crs_tmax (highest temperature, C) and crs_fever_masked.

    True when the highest temperature is at least `fever_min_c` (38.0 C in
    the library: 37.9 is no fever), or when crs_fever_masked is True:
    antipyretic or anti-cytokine therapy (tocilizumab, corticosteroids) was
    given for the CRS, after which "fever is no longer required to grade
    subsequent CRS severity" and hypotension and hypoxia drive the grade.
    None when that is undecided: no temperature and no masking recorded.
    """
    threshold = _boundary(fever_min_c, "fever_min_c")
    tmax = read_decimal(record, "crs_tmax")
    masked = read_bool(record, "crs_fever_masked")
    if masked or (tmax is not None and tmax >= threshold):
        return True
    if tmax is None or masked is None:
        return None
    return False


def crs_hypoxia_astct(record: Mapping[str, object], *, low_flow_max_l_min: float) -> str | None:
    """The ASTCT hypoxia level (codelist crs_hypoxia) from crs_o2_device and crs_o2_flow (L/min).

    A nasal cannula is LOW_FLOW up to `low_flow_max_l_min` (6 L/min in the
    library) and HIGH_FLOW above it, whether entered as a low- or high-flow
    cannula (ASTCT defines both by the flow); blow-by is LOW_FLOW; facemask,
    non-rebreather and Venturi masks HIGH_FLOW; CPAP, BiPAP and mechanical
    ventilation POSITIVE_PRESSURE; no oxygen NONE. None when the device is
    missing, or a cannula's flow is.
    """
    low_flow_max = _boundary(low_flow_max_l_min, "low_flow_max_l_min")
    device = read_code(record, "crs_o2_device", CRS_OXYGEN_DEVICES)
    flow = read_decimal(record, "crs_o2_flow")
    if flow is not None and flow <= 0:
        raise ValueError(f"crs_o2_flow must be greater than 0 L/min, got {flow}")
    if device is None:
        return None
    if device not in NASAL_CANNULAS:
        return CRS_OXYGEN_HYPOXIA[device]
    if flow is None:
        return None
    return "LOW_FLOW" if flow <= low_flow_max else "HIGH_FLOW"


def icans_grade_astct(record: Mapping[str, object]) -> int | None:
    """ICANS grade 0-5 (ASTCT 2019, adults): the worst of the ICE, consciousness, seizure, motor and ICP domains.

    ICE 10 -> 0, 7-9 -> 1, 3-6 -> 2, 0-2 -> 3; consciousness awakens
    spontaneously -> 1, to voice -> 2, only to touch -> 3, unarousable -> 4;
    seizure rapidly resolving -> 3, prolonged or repetitive -> 4; deep focal
    motor weakness -> 4; focal oedema -> 3, diffuse oedema -> 4;
    icans_death True -> 5. ICE 10 with every other domain normal -> 0.

    Unarousable patient whose ICE cannot be done: ASTCT scores such a patient
    ICE 0 and grades them 4 ("a patient with an ICE score of 0 may be
    classified as grade 4 ICANS if unarousable"; an awake patient with ICE 0,
    e.g. global aphasia, is grade 3). So icans_ice_score may be left empty
    when icans_consciousness is UNAROUSABLE, and the grade is 4 (5 on death);
    an empty ICE with any other consciousness level gives None. A missing
    consciousness, seizure, motor, ICP or death item gives None unless
    icans_death is True.
    """
    death = read_bool(record, "icans_death")
    if death:
        return DEATH_GRADE
    consciousness = read_code(record, "icans_consciousness", ICANS_CONSCIOUSNESS_GRADE)
    seizure = read_code(record, "icans_seizure", ICANS_SEIZURE_GRADE)
    motor = read_code(record, "icans_motor", ICANS_MOTOR_GRADE)
    icp = read_code(record, "icans_icp", ICANS_ICP_GRADE)
    ice = _read_ice(record)
    if death is None or consciousness is None or seizure is None or motor is None or icp is None:
        return None
    if ice is None:
        if consciousness != "UNAROUSABLE":
            return None
        ice = 0
    return max(
        ice_grade(ice),
        ICANS_CONSCIOUSNESS_GRADE[consciousness],
        ICANS_SEIZURE_GRADE[seizure],
        ICANS_MOTOR_GRADE[motor],
        ICANS_ICP_GRADE[icp],
    )


def _boundary(value: float, name: str) -> Decimal:
    """A published boundary given by the definition, exactly (38.0 stays 38.0, not a nearby double)."""
    return Decimal(str(positive(value, name)))


def _read_ice(record: Mapping[str, object]) -> int | None:
    ice = record.get("icans_ice_score")
    return None if ice is None else _valid_ice(ice)


def _valid_ice(ice: object) -> int:
    if isinstance(ice, bool) or not isinstance(ice, int) or not 0 <= ice <= ICE_MAX:
        raise ValueError(f"icans_ice_score must be an integer in 0-{ICE_MAX}, got {ice!r}")
    return ice
