"""Composite lupus responses: SRI-4 (vs baseline), LLDAS and DORIS remission (states at a visit).

- SRI-4: SLEDAI-2K reduction >= 4, no new BILAG A and at most one new BILAG B,
  PGA increase < 0.3 (0-3 scale).
- LLDAS: SLEDAI-2K <= 4 with no major-organ activity and no new activity,
  PGA <= 1, prednisone-equivalent <= 7.5 mg/day.
- DORIS remission: clinical SLEDAI-2K = 0, PGA < 0.5, prednisone-equivalent
  <= 5 mg/day.

Each returns a frozen result holding every component (met / not met) and the
overall `met`. `major_organ_activity` and `new_activity` derive LLDAS's two
activity flags from the SLEDAI-2K descriptors. PGA and dose comparisons are made on values rounded to nine
decimals, so binary floating point (0.7 - 0.4 = 0.29999999999999993) never
moves a value across a threshold.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from edc.definitions.functions import BILAG_SYSTEMS
from edc.domain._common import non_negative
from edc.domain.bilag import bilag_grades
from edc.domain.pga import PGA_MAX
from edc.domain.sledai import SLEDAI_MAX, SLEDAI_WEIGHTS

LLDAS_MAJOR_ORGAN_DESCRIPTORS: frozenset[str] = frozenset({
    # renal
    "urinary_casts", "haematuria", "proteinuria", "pyuria",
    # central nervous system
    "seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance", "cranial_nerve_disorder",
    "lupus_headache", "cva",
    # cardiopulmonary, vasculitis, fever
    "pleurisy", "pericarditis", "vasculitis", "fever",
})
"""SLEDAI-2K descriptors of LLDAS's major organs (Franklyn 2016: renal, CNS, cardiopulmonary, vasculitis,
fever). Haemolytic anaemia and gastrointestinal activity, the other two, are no SLEDAI descriptors."""
LLDAS_GI_ACTIVE_BILAG = frozenset({"A", "B", "C"})
"""BILAG-2004 gastrointestinal grades that mean current gastrointestinal activity."""

SRI4_SLEDAI_REDUCTION = 4
SRI4_PGA_WORSENING = 0.3
SRI4_MAX_NEW_BILAG_B = 1
LLDAS_SLEDAI_MAX = 4
LLDAS_PGA_MAX = 1.0
LLDAS_PREDNISONE_MAX_MG = 7.5
DORIS_PGA_BELOW = 0.5
DORIS_PREDNISONE_MAX_MG = 5.0
_PLACES = 9


@dataclass(frozen=True)
class LupusAssessment:
    """Disease activity at one visit (baseline or follow-up).

    `sledai_2k` and `clinical_sledai` are totals (0-105; the clinical variant
    is the trial's), `pga` is on the 0-3 scale, `prednisone_mg_day` the daily
    prednisone-equivalent dose. `bilag` maps the nine organ systems to grades
    A-E (needed by SRI-4 only). `major_organ_activity` and `new_activity`
    (needed by LLDAS only) tell whether any SLEDAI activity is in a major
    organ (renal, CNS, cardiopulmonary, vasculitis, fever, haemolytic
    anaemia, gastrointestinal) and whether any activity is new since the
    previous assessment. ValueError for out-of-range values.
    """

    sledai_2k: int
    clinical_sledai: int
    pga: float
    prednisone_mg_day: float
    bilag: Mapping[str, str] | None = field(default=None, hash=False)
    major_organ_activity: bool | None = None
    new_activity: bool | None = None

    def __post_init__(self) -> None:
        for name in ("sledai_2k", "clinical_sledai"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SLEDAI_MAX:
                raise ValueError(f"{name} must be an integer in 0-{SLEDAI_MAX}, got {value!r}")
        if not 0 <= non_negative(self.pga, "pga") <= PGA_MAX:
            raise ValueError(f"pga must be in 0-{PGA_MAX}, got {self.pga!r}")
        non_negative(self.prednisone_mg_day, "prednisone_mg_day")
        if self.bilag is not None:
            if bilag_grades(self.bilag) is None:
                raise ValueError(f"bilag must grade all nine systems: {', '.join(BILAG_SYSTEMS)}")
            object.__setattr__(self, "bilag", MappingProxyType(dict(self.bilag)))


@dataclass(frozen=True)
class Sri4Result:
    """SRI-4 components and the overall response."""

    sledai_reduction: int
    new_bilag_a: tuple[str, ...]
    new_bilag_b: tuple[str, ...]
    pga_change: float
    sledai_met: bool
    bilag_met: bool
    pga_met: bool

    @property
    def met(self) -> bool:
        """True when all three components are met."""
        return self.sledai_met and self.bilag_met and self.pga_met


@dataclass(frozen=True)
class LldasResult:
    """LLDAS components and the overall state."""

    sledai_met: bool
    no_major_organ_activity: bool
    no_new_activity: bool
    pga_met: bool
    prednisone_met: bool

    @property
    def met(self) -> bool:
        """True when every component is met."""
        return (self.sledai_met and self.no_major_organ_activity and self.no_new_activity
                and self.pga_met and self.prednisone_met)


@dataclass(frozen=True)
class DorisResult:
    """DORIS remission components and the overall state."""

    clinical_sledai_met: bool
    pga_met: bool
    prednisone_met: bool

    @property
    def met(self) -> bool:
        """True when every component is met."""
        return self.clinical_sledai_met and self.pga_met and self.prednisone_met


def sri4(baseline: LupusAssessment, visit: LupusAssessment) -> Sri4Result:
    """SRI-4 at `visit` against `baseline`; both need BILAG grades (ValueError otherwise).

    A new BILAG A is a system graded A at the visit and not at baseline; a new
    BILAG B is a system graded B at the visit and C, D or E at baseline
    (A -> B is improvement). The PGA change must be below +0.3.
    """
    if baseline.bilag is None or visit.bilag is None:
        raise ValueError("SRI-4 needs BILAG grades at baseline and at the visit")
    before, after = baseline.bilag, visit.bilag
    new_a = tuple(s for s in BILAG_SYSTEMS if after[s] == "A" and before[s] != "A")
    new_b = tuple(s for s in BILAG_SYSTEMS if after[s] == "B" and before[s] not in ("A", "B"))
    reduction = baseline.sledai_2k - visit.sledai_2k
    pga_change = round(visit.pga - baseline.pga, _PLACES)
    return Sri4Result(
        sledai_reduction=reduction,
        new_bilag_a=new_a,
        new_bilag_b=new_b,
        pga_change=pga_change,
        sledai_met=reduction >= SRI4_SLEDAI_REDUCTION,
        bilag_met=not new_a and len(new_b) <= SRI4_MAX_NEW_BILAG_B,
        pga_met=pga_change < SRI4_PGA_WORSENING,
    )


def lldas(visit: LupusAssessment) -> LldasResult:
    """Lupus Low Disease Activity State at `visit`; ValueError when the two activity flags are not given."""
    if visit.major_organ_activity is None or visit.new_activity is None:
        raise ValueError("LLDAS needs major_organ_activity and new_activity")
    return LldasResult(
        sledai_met=visit.sledai_2k <= LLDAS_SLEDAI_MAX,
        no_major_organ_activity=not visit.major_organ_activity,
        no_new_activity=not visit.new_activity,
        pga_met=_at_most(visit.pga, LLDAS_PGA_MAX),
        prednisone_met=_at_most(visit.prednisone_mg_day, LLDAS_PREDNISONE_MAX_MG),
    )


def doris_remission(visit: LupusAssessment) -> DorisResult:
    """DORIS remission at `visit`: clinical SLEDAI-2K 0, PGA < 0.5, prednisone-equivalent <= 5 mg/day."""
    return DorisResult(
        clinical_sledai_met=visit.clinical_sledai == 0,
        pga_met=round(visit.pga - DORIS_PGA_BELOW, _PLACES) < 0,
        prednisone_met=_at_most(visit.prednisone_mg_day, DORIS_PREDNISONE_MAX_MG),
    )


def major_organ_activity(active: Collection[str], bilag: Mapping[str, str] | None = None) -> bool:
    """True when any active SLEDAI-2K descriptor is in a major organ, or BILAG grades the GI system A-C.

    `active` are the descriptors scoring at the visit (see
    `edc.domain.sledai.active_descriptors`); `bilag`, when given, adds the
    gastrointestinal activity SLEDAI does not describe.
    """
    unknown = sorted(set(active) - set(SLEDAI_WEIGHTS))
    if unknown:
        raise ValueError(f"unknown SLEDAI descriptor(s): {', '.join(unknown)}")
    gastrointestinal = bilag is not None and bilag.get("gastrointestinal") in LLDAS_GI_ACTIVE_BILAG
    return bool(LLDAS_MAJOR_ORGAN_DESCRIPTORS & set(active)) or gastrointestinal


def new_activity(previous: Collection[str], current: Collection[str]) -> tuple[str, ...]:
    """The SLEDAI-2K descriptors active now and not at the previous assessment, in SLEDAI order."""
    unknown = sorted((set(previous) | set(current)) - set(SLEDAI_WEIGHTS))
    if unknown:
        raise ValueError(f"unknown SLEDAI descriptor(s): {', '.join(unknown)}")
    return tuple(name for name in SLEDAI_WEIGHTS if name in current and name not in previous)


def _at_most(value: float, limit: float) -> bool:
    return round(value - limit, _PLACES) <= 0
