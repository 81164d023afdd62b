"""Signatures of the clinical functions rules may call and the scores calculated items may name.

Only the signatures live here, so definitions can be type-checked without
importing the domain layer (which depends on definitions, not the other way).
`edc.rules` binds each name to its pure implementation in `edc.domain`; a test
keeps the two lists equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from edc.definitions.cel_check import BOOL, DOUBLE, INT, PARTIAL_DATE, STRING, TIMESTAMP, FunctionSig
from edc.definitions.cel_types import list_of

CEL_FUNCTIONS = MappingProxyType({
    sig.name: sig
    for sig in (
        FunctionSig("crcl_cockcroft_gault", (STRING, INT, DOUBLE, DOUBLE), DOUBLE),
        FunctionSig("creatinine_mg_dl", (DOUBLE, STRING), DOUBLE),
        FunctionSig("qtc_bazett", (DOUBLE, DOUBLE), DOUBLE),
        FunctionSig("uln_multiple", (DOUBLE, DOUBLE), DOUBLE),
        FunctionSig("days_between", (TIMESTAMP, TIMESTAMP), INT),
        FunctionSig("earliest_date", (PARTIAL_DATE,), TIMESTAMP),
        FunctionSig("latest_date", (PARTIAL_DATE,), TIMESTAMP),
        FunctionSig("prednisone_equivalent", (STRING, DOUBLE), DOUBLE),
        FunctionSig("weight_based_dose", (DOUBLE, DOUBLE), DOUBLE),
        FunctionSig("dose_within_tolerance", (DOUBLE, DOUBLE, DOUBLE), BOOL),
        FunctionSig("sledai_activity_band", (INT, list_of(INT), list_of(STRING)), STRING),
    )
})


@dataclass(frozen=True)
class ScoreInput:
    """An item a score reads: its required type and, for choices, codelist; for a number compared with a
    boundary, the unit that boundary is in."""

    name: str
    type: str
    codelist: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class ScoreSig:
    """A named score: the items it reads, the params it accepts, what it returns (and over which codelist)."""

    name: str
    inputs: tuple[ScoreInput, ...]
    result_type: str
    params: frozenset[str] = frozenset()
    boundaries: frozenset[str] = frozenset()
    """Params the definition must give, each a number > 0: the instrument's published cut-offs (ASTCT's 38.0 C)."""
    result_codelist: str | None = None


SLEDAI_BOOLEAN_DESCRIPTORS = (
    "seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance",
    "cranial_nerve_disorder", "lupus_headache", "cva", "vasculitis", "arthritis",
    "myositis", "urinary_casts", "haematuria", "pyuria", "pleurisy", "pericarditis",
    "low_complement", "increased_dna_binding", "fever", "thrombocytopenia", "leukopenia",
)
SLEDAI_ONSET_DESCRIPTORS = ("rash", "alopecia", "mucosal_ulcers", "proteinuria")
SLEDAI_DESCRIPTORS = SLEDAI_BOOLEAN_DESCRIPTORS + SLEDAI_ONSET_DESCRIPTORS

BILAG_SYSTEMS = (
    "constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
    "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological",
)
ICE_POINTS = (
    "ice_orient_year", "ice_orient_month", "ice_orient_city", "ice_orient_hospital",
    "ice_name_object_1", "ice_name_object_2", "ice_name_object_3",
    "ice_follow_commands", "ice_write_sentence", "ice_count_backwards",
)

BVAS_SYSTEMS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    # BVAS v3 (Mukhtyar 2009): the nine organ systems and their 56 items in the published order; the three
    # serum creatinine bands (BVAS_CREATININE_BANDS) are scored at the first assessment only.
    "general": ("myalgia", "arthralgia", "fever", "weight_loss"),
    "cutaneous": ("skin_infarct", "purpura", "skin_ulcer", "gangrene", "other_skin_vasculitis"),
    "mucous_membranes_eyes": ("mouth_ulcers", "genital_ulcers", "adnexal_inflammation", "proptosis", "scleritis",
                              "conjunctivitis", "blurred_vision", "sudden_visual_loss", "uveitis",
                              "retinal_changes"),
    "ent": ("nasal_discharge_crusts", "sinus_involvement", "subglottic_stenosis", "conductive_hearing_loss",
            "sensorineural_hearing_loss"),
    "chest": ("wheeze", "nodules_cavities", "pleural_effusion", "pulmonary_infiltrate", "endobronchial",
              "alveolar_haemorrhage", "respiratory_failure"),
    "cardiovascular": ("loss_of_pulses", "valvular_disease", "pericarditis", "ischaemic_cardiac_pain",
                       "cardiomyopathy", "heart_failure"),
    "abdominal": ("peritonitis", "bloody_diarrhoea", "ischaemic_abdominal_pain"),
    "renal": ("hypertension", "proteinuria", "haematuria", "creatinine_125_249", "creatinine_250_499",
              "creatinine_500", "creatinine_rise"),
    "nervous_system": ("headache", "meningitis", "organic_confusion", "seizures", "cva", "spinal_cord_lesion",
                       "cranial_nerve_palsy", "sensory_neuropathy", "mononeuritis_multiplex"),
})
BVAS_CREATININE_BANDS = ("creatinine_125_249", "creatinine_250_499", "creatinine_500")
BVAS_FLAGS = ("bvas_first", "bvas_persistent")
"""Is this the patient's first assessment; are all abnormalities persistent disease (the form's PERSISTENT box)."""

_SLEDAI_INPUTS = tuple(ScoreInput(n, "boolean") for n in SLEDAI_BOOLEAN_DESCRIPTORS) + tuple(
    ScoreInput(n, "choice", "sledai_onset") for n in SLEDAI_ONSET_DESCRIPTORS
)
_BILAG_INPUTS = tuple(ScoreInput(n, "choice", "bilag_grade") for n in BILAG_SYSTEMS)
_BVAS_INPUTS = tuple(ScoreInput(n, "boolean") for n in (*BVAS_FLAGS, *(n for i in BVAS_SYSTEMS.values() for n in i)))

SCORES = MappingProxyType({
    sig.name: sig
    for sig in (
        ScoreSig("sledai_2k_total", _SLEDAI_INPUTS, "integer", frozenset({"exclude"})),
        ScoreSig("selena_sledai_total", _SLEDAI_INPUTS, "integer", frozenset({"exclude"})),
        ScoreSig("bilag_2004_numeric", _BILAG_INPUTS, "integer"),
        ScoreSig("bilag_2004_count_a", _BILAG_INPUTS, "integer"),
        ScoreSig("bilag_2004_count_b", _BILAG_INPUTS, "integer"),
        ScoreSig("bvas_v3_total", _BVAS_INPUTS, "integer"),
        ScoreSig("bvas_v3_system", _BVAS_INPUTS, "integer", frozenset({"system"})),
        ScoreSig("ice_score", tuple(ScoreInput(n, "boolean") for n in ICE_POINTS), "integer"),
        ScoreSig("crs_fever_astct", (
            ScoreInput("crs_tmax", "decimal", unit="C"),
            ScoreInput("crs_fever_masked", "boolean"),
        ), "boolean", boundaries=frozenset({"fever_min_c"})),
        ScoreSig("crs_hypoxia_astct", (
            ScoreInput("crs_o2_device", "choice", "crs_oxygen_device"),
            ScoreInput("crs_o2_flow", "decimal", unit="L/min"),
        ), "choice", boundaries=frozenset({"low_flow_max_l_min"}), result_codelist="crs_hypoxia"),
        ScoreSig("crs_grade_astct", (
            ScoreInput("crs_fever", "boolean"),
            ScoreInput("crs_hypotension", "choice", "crs_hypotension"),
            ScoreInput("crs_hypoxia", "choice", "crs_hypoxia"),
            ScoreInput("crs_death", "boolean"),
        ), "integer"),
        ScoreSig("icans_grade_astct", (
            ScoreInput("icans_ice_score", "integer"),
            ScoreInput("icans_consciousness", "choice", "icans_consciousness"),
            ScoreInput("icans_seizure", "choice", "icans_seizure"),
            ScoreInput("icans_motor", "choice", "icans_motor"),
            ScoreInput("icans_icp", "choice", "icans_icp"),
            ScoreInput("icans_death", "boolean"),
        ), "integer"),
    )
})
