"""Synthetic screening data for the four trials: one data set meeting every criterion, and one change per criterion.

`screening(study, cohort)` is a fresh data set (form id -> record) that meets
every rule-based criterion of the study for that cohort, with the
investigator confirmations answered favourably (inclusions True, exclusions
False). `NOT_MET[(study, cohort)]` maps a criterion id to the change that
makes exactly that criterion not met (and, where the definitions make two
criteria inseparable, the others that fall with it).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from edc.definitions.catalog import StudyDefinition

Records = dict[str, Any]

_NEGATIVE = "NEGATIVE"

_SLE_BASE: Records = {
    "informed_consent": {"icdat": date(2026, 1, 5), "icver": "1.0", "iclar": "Y"},
    "demographics": {"brthdat": "1985", "age": 40, "sex": "F", "race": "ASIAN"},
    "medical_history": [{"mhterm": "Hypertension", "mhstdat": "2019-04", "mhongo": "Y"}],
    "sle_history": {
        "sle_dx": "Y", "sle_dxdat": "2020-03", "sle_criteria": ("ACR_1997", "SLICC_2012", "EULAR_ACR_2019"),
        "sle_dur": 60, "ln_biopsy": "N", "gc_current": "Y", "gc_drug": "prednisone", "gc_dose": Decimal("10.0"),
        "gc_stable_2w": "Y", "gc_high_8w": "N", "regimen_months": 6, "antimalarial": "Y", "is_use": "Y",
        "is_agents": ["MYCOPHENOLATE"], "biologic_use": "N", "gilbert": "N", "prior_cart": "N",
        "prior_transplant": "N", "dialysis": "N",
    },
    # SLEDAI-2K 10, SELENA 10, clinical (serology out) 6, RD06-04 clinical 6
    "sledai": {
        "sledai_dat": date(2026, 1, 6),
        **dict.fromkeys((
            "seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance", "cranial_nerve_disorder",
            "lupus_headache", "cva", "vasculitis", "myositis", "urinary_casts", "haematuria", "pyuria",
            "pleurisy", "pericarditis", "fever", "thrombocytopenia", "leukopenia"), False),
        "arthritis": True, "low_complement": True, "increased_dna_binding": True,
        "rash": "NEW", "alopecia": "ABSENT", "mucosal_ulcers": "ABSENT", "proteinuria": "ABSENT",
    },
    "bilag": {
        "bilag_dat": date(2026, 1, 6),
        **dict.fromkeys(("constitutional", "neuropsychiatric", "cardiorespiratory", "gastrointestinal",
                         "ophthalmic", "renal", "haematological"), "E"),
        "mucocutaneous": "B", "musculoskeletal": "B",
    },
    "pga": {"pga_dat": date(2026, 1, 6), "pga": Decimal("1.5")},
    "vital_signs": {"vsdat": date(2026, 1, 6), "sysbp": 120, "diabp": 80, "pulse": 72, "temp": Decimal("36.6"),
                    "oxysat": Decimal("98.0"), "oxysat_o2": "N", "weight": Decimal("60.0"), "height": 165.0},
    "ecg": {"egdat": date(2026, 1, 6), "hr": 60.0, "qt": 400.0, "rr": 1000.0, "egintp": "NORMAL"},
    "echocardiography": {"cvdat": date(2026, 1, 6), "lvef": 60.0, "cvintp": "NORMAL", "nyha": "I"},
    "haematology": {"lbdat": date(2026, 1, 6), "wbc": 6.0, "neut": 3.5, "lymph": 1.5, "hgb": 120.0, "plat": 200.0},
    "chemistry": {"lbdat": date(2026, 1, 6), "alt": 20.0, "alt_uln": 40.0, "ast": 20.0, "ast_uln": 40.0,
                  "bili": 10.0, "bili_uln": 21.0, "bilidir": 3.0, "bilidir_uln": 7.0,
                  "creat": 70.0, "creat_uln": 84.0},
    "coagulation": {"lbdat": date(2026, 1, 6), "inr": 1.0, "inr_uln": 1.2, "pt": 12.0, "pt_uln": 13.5},
    "immunology": {"lbdat": date(2026, 1, 6), "iga": 200.0, "igg": 1200.0, "igm": 100.0, "c3": 0.6, "c4": 0.08},
    "urinalysis": {"lbdat": date(2026, 1, 6), "upcr": 0.2, "prot24h": 0.3},
    "pregnancy_test": {"childbearing": "Y", "pregdat": date(2026, 1, 6), "pregtype": "SERUM",
                       "pregres": _NEGATIVE, "lactating": "N"},
    "autoantibodies": {"isdat": date(2026, 1, 6), "ana": "POSITIVE", "anti_dsdna": "POSITIVE", "anti_sm": _NEGATIVE,
                       "anca_pr3": _NEGATIVE, "anca_mpo": _NEGATIVE, "anti_mda5": _NEGATIVE, "anca_hist": []},
    "infection_screen": {"lbdat": date(2026, 1, 6), "hbsag": _NEGATIVE, "hbcab": _NEGATIVE, "hcv_ab": _NEGATIVE,
                         "hiv_ab": _NEGATIVE, "syphilis_ab": _NEGATIVE, "ebv_igm": _NEGATIVE,
                         "ebv_dna": "NOT DETECTED", "cmv_igm": _NEGATIVE, "cmv_dna": "NOT DETECTED"},
}

_COHORT_CHANGES: dict[tuple[str, str | None], dict[str, dict[str, Any] | None]] = {
    ("relmacel", None): {},
    ("rd0604", None): {},
    ("ic19", None): {},
    ("cnct19", "LN"): {
        "sle_history": {"ln_biopsy": "Y", "ln_biodat": "2025-06", "ln_class": "IV"},
        "urinalysis": {"upcr": 1.5},
    },
    ("cnct19", "ITP"): {  # SLE with immune thrombocytopenia
        "haematology": {"plat": 30.0},
        "itp_assessment": {"plat_prev_dat": date(2025, 12, 1), "plat_prev": 30.0, "smear_normal": "Y",
                           "spleen_enlarged": "N", "marrow_dat": date(2025, 12, 10), "marrow_mk": "Y"},
    },
    ("cnct19", "AAV"): {
        "sle_history": {"sle_dx": "N", "sle_dxdat": None, "sle_criteria": None, "sle_dur": None, "ln_biopsy": None},
        "autoantibodies": {"ana": _NEGATIVE, "anti_dsdna": _NEGATIVE, "anca_mpo": "POSITIVE", "anca_hist": ["MPO"]},
        "sledai": None, "bilag": None, "pga": None,
    },
    ("cnct19", "DM"): {
        "sle_history": {"sle_dx": "N", "sle_dxdat": None, "sle_criteria": None, "sle_dur": None, "ln_biopsy": None},
        "autoantibodies": {"ana": _NEGATIVE, "anti_dsdna": _NEGATIVE, "anti_mda5": "POSITIVE"},
        "sledai": None, "bilag": None, "pga": None,
    },
}

CASES = tuple(_COHORT_CHANGES)


def apply(records: Records, changes: dict[str, Any]) -> Records:
    """`records` with `changes` (form -> item -> value; a None form drops the form, a None value the item)."""
    for form_id, items in changes.items():
        if items is None:
            records.pop(form_id, None)
            continue
        record = records.setdefault(form_id, {})
        for name, value in items.items():
            if value is None:
                record.pop(name, None)
            else:
                record[name] = value
    return records


def ie_confirm(study: StudyDefinition) -> dict[str, bool]:
    """Favourable investigator answers: every confirmed inclusion holds, no confirmed exclusion does."""
    return {c.id.lower(): c.kind == "inclusion" for c in study.spec.eligibility.criteria if c.confirm}


def screening(study: StudyDefinition, cohort: str | None) -> Records:
    """A fresh screening data set meeting every criterion of `study` for `cohort`."""
    records = copy.deepcopy(_SLE_BASE)
    apply(records, copy.deepcopy(_COHORT_CHANGES[(study.id, cohort)]))
    records["ie_confirm"] = ie_confirm(study)
    return records


def shifted(records: Records, days: int) -> Records:
    """`records` with every full date moved by `days` (partial dates, histories by nature, kept)."""
    def move(value: Any) -> Any:
        if isinstance(value, date):
            return value + timedelta(days=days)
        if isinstance(value, dict):
            return {name: move(v) for name, v in value.items()}
        if isinstance(value, list):
            return [move(v) for v in value]
        return value
    return {form_id: move(values) for form_id, values in records.items()}


@dataclass(frozen=True)
class Change:
    """Changes to the good data set, and the criteria (besides the one under test) they also fail."""

    changes: dict[str, dict[str, Any]]
    also_not_met: frozenset[str] = field(default_factory=frozenset)


def _c(changes: dict[str, dict[str, Any]], *also: str) -> Change:
    return Change(changes, frozenset(also))


_NO_ANTIBODIES = {"autoantibodies": {"ana": _NEGATIVE, "anti_dsdna": _NEGATIVE, "anti_sm": _NEGATIVE}}
_NO_SEROLOGY = {"sledai": {"low_complement": False, "increased_dna_binding": False}}
_RENAL_FAILURE = {"chemistry": {"creat": 200.0}}  # above 1.5 x ULN and Cockcroft-Gault about 31 mL/min

NOT_MET: dict[tuple[str, str | None], dict[str, Change]] = {
    ("relmacel", None): {
        "INC02": _c({"demographics": {"age": 17}}),
        "INC03": _c({"sle_history": {"sle_criteria": ["SLICC_2012"]}}),
        "INC04": _c({"sle_history": {"sle_dur": 3}}),
        "INC05": _c({"sle_history": {"gc_dose": 40.0}}),
        "INC07": _c(_NO_ANTIBODIES),
        "INC08": _c(_NO_SEROLOGY),  # SELENA 6, and INC09 no longer needs a clinical score
        "INC09": _c({"sledai": {"rash": "ABSENT"}}),  # SELENA 8 kept, clinical SLEDAI 4
        "EXC01": _c({"urinalysis": {"prot24h": 7.0}}),
        "EXC03": _c({"sle_history": {"dialysis": "Y"}}),
        "EXC04": _c({"sle_history": {"gc_high_8w": "Y"}}),
        "EXC08": _c({"sle_history": {"prior_transplant": "Y"}}),
        "EXC09": _c({"immunology": {"iga": 5.0}}),
    },
    ("rd0604", None): {
        "INC02": _c({"demographics": {"age": 71}}),
        "INC03": _c({"sle_history": {"sle_criteria": ["ACR_1997"]}}),
        "INC04": _c({"sle_history": {"gc_stable_2w": "N"}}),
        # INC04 implies INC05: INC05 cannot fail alone
        "INC05": _c({"sle_history": {"gc_current": "N"}}, "INC04"),
        "INC06": _c(_NO_ANTIBODIES),
        "INC07": _c(_NO_SEROLOGY),  # SLEDAI-2K 6, clinical 6
        "INC08": _c({"sledai": {"arthritis": False, "leukopenia": True, "thrombocytopenia": True}}),
        "INC09": _c({"bilag": {"mucocutaneous": "E"}}),
        "INC10": _c({"pga": {"pga": 0.5}}),
        "INC11": _c({"chemistry": {"alt": 150.0}}),
        "INC12": _c(_RENAL_FAILURE),
        "INC13": _c({"haematology": {"neut": 0.5}}),
        "INC14": _c({"coagulation": {"inr": 2.0, "pt": 25.0}}),
        "INC15": _c({"vital_signs": {"oxysat": 90.0}}),
        "INC16": _c({"echocardiography": {"lvef": 45.0}}),
        "INC17": _c({"pregnancy_test": {"pregres": "POSITIVE"}}),
    },
    ("ic19", None): {
        "INC03": _c({"sle_history": {"gc_dose": 70.0}}),
        "INC04": _c(_NO_SEROLOGY),
        "INC05": _c(_NO_ANTIBODIES),
        "INC06": _c({"demographics": {"age": 75}}),
        "INC08": _c({"haematology": {"plat": 40.0}}),
        "INC09": _c({"chemistry": {"alt": 150.0}}),
        "INC10": _c(_RENAL_FAILURE),
        "INC11": _c({"coagulation": {"inr": 2.0}}),
        "INC13": _c({"echocardiography": {"lvef": 45.0}}),
        "INC14": _c({"vital_signs": {"oxysat_o2": "Y"}}),
        "INC15": _c({"pregnancy_test": {"pregtype": "URINE"}}),
        "INC17": _c({"pregnancy_test": {"lactating": "Y"}}),
        "EXC06": _c({"sle_history": {"prior_cart": "Y"}}),
        "EXC10": _c({"infection_screen": {"hiv_ab": "POSITIVE"}}),
        "EXC11": _c({"infection_screen": {"cmv_dna": "DETECTED"}}),
        "EXC12": _c({"vital_signs": {"sysbp": 170}}),
        "EXC13": _c({"ecg": {"qt": 500.0}}),  # QTcB 500 ms at 60 beats/min
    },
    ("cnct19", "LN"): {
        "INC02": _c({"demographics": {"age": 17}}),
        "INC04": _c({"sle_history": {"ln_class": "II"}}),
        "INC05": _c({"urinalysis": {"upcr": 0.5}}),
        "INC14": _c({"pregnancy_test": {"pregtype": "URINE"}}),
        "INC16": _c({"chemistry": {"ast": 150.0}}),
        "INC17": _c({"chemistry": {"bili": 50.0}}),
        "INC20": _c({"vital_signs": {"oxysat": 91.0}}),
        "INC21": _c({"haematology": {"lymph": 0.3}}),
        "EXC02": _c({"sle_history": {"dialysis": "Y"}}),
        "EXC03": _c({"pregnancy_test": {"lactating": "Y"}}),
        "EXC05": _c({"infection_screen": {"hbsag": "POSITIVE", "hbv_dna": "NOT DETECTED"}}),  # DNA asked then
        "EXC07": _c({"echocardiography": {"lvef": 45.0}}),
        "EXC08": _c({"echocardiography": {"nyha": "III"}}),
        "EXC11": _c({"ecg": {"qt": 480.0}}),  # QTcB 480 ms, a woman
    },
    ("cnct19", "ITP"): {
        "INC06": _c({"itp_assessment": {"plat_prev": 60.0}}),
        "INC07": _c({"itp_assessment": {"smear_normal": "N"}}),
        "INC08": _c({"haematology": {"plat": 8.0}}),
        "INC17": _c({"sle_history": {"gilbert": "Y"}, "chemistry": {"bili": 70.0}}),
        "INC18": _c(_RENAL_FAILURE),
        "EXC11": _c({"demographics": {"sex": "M"}, "ecg": {"qt": 455.0}}),  # QTcB 455 ms, a man
    },
    ("cnct19", "AAV"): {
        "INC11": _c({"autoantibodies": {"anca_mpo": _NEGATIVE, "anca_hist": []}}),
        "INC18": _c(_RENAL_FAILURE),
    },
    ("cnct19", "DM"): {
        "INC12": _c({"autoantibodies": {"anti_mda5": _NEGATIVE}}),
        "INC18": _c(_RENAL_FAILURE),
    },
}
"""Per trial and cohort: criterion id -> the change that makes it (alone, or with `also_not_met`) not met."""



def never_not_met(rule: str) -> bool:
    """Whether a rule only tests presence (`x != null`): it is met or undecidable, never false on real data."""
    return rule.strip().endswith("!= null") and "&&" not in rule and "||" not in rule

MISSING_LAB: dict[tuple[str, str | None], tuple[dict[str, dict[str, Any]], frozenset[str]]] = {
    ("relmacel", None): ({"chemistry": {"creat": None}}, frozenset({"EXC01"})),
    ("rd0604", None): ({"chemistry": {"creat": None}}, frozenset({"INC12"})),
    ("ic19", None): ({"chemistry": {"creat": None}}, frozenset({"INC10"})),
    ("cnct19", "LN"): ({"haematology": {"lymph": None}}, frozenset({"INC21"})),
    ("cnct19", "ITP"): ({"chemistry": {"creat": None}}, frozenset({"INC18"})),
    ("cnct19", "AAV"): ({"chemistry": {"creat": None}}, frozenset({"INC18"})),
    ("cnct19", "DM"): ({"vital_signs": {"oxysat": None}}, frozenset({"INC20"})),
}
"""A lab left out, and the criteria that become undecidable for want of it."""
