"""Plausible values per form and item: the data the generic generator draws from when nothing more specific is given.

Values describe an adult (mostly female) Chinese SLE patient off treatment
effects: vital signs in normal ranges, laboratory values around the middle of
the reference ranges printed by Chinese hospital laboratories, negative
infection serology. Reference limits (`*_lln`, `*_uln`) are fixed, as a
laboratory prints them. Subject-specific and time-dependent values (disease
activity, cytopenias after lymphodepletion, CRS) come from the clinical
modules and override these.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from edc.definitions.functions import BVAS_SYSTEMS
from edc.demo.specs import Among, Chance, Fixed, Normal, Pick, Spec
from edc.demo.vasculitis_myositis import MMT8_DEFICIT, MYOACT_BASELINE

NO, YES = "N", "Y"

#: Reference limits, as the laboratory prints them: item -> (lower limit, upper limit); None where not printed.
REFERENCE: Mapping[str, tuple[float | None, float | None]] = MappingProxyType({
    "wbc": (3.5, 9.5), "neut": (1.8, 6.3), "lymph": (1.1, 3.2), "hgb": (115, 150), "plat": (125, 350),
    "alt": (None, 40), "ast": (None, 35), "bili": (None, 21.0), "bilidir": (None, 6.8), "creat": (None, 84),
    "alb": (35.0, None), "crp": (None, 10.0), "ldh": (None, 250), "ferritin": (None, 300),
    "inr": (None, 1.2), "pt": (None, 14.0), "aptt": (None, 40.0), "fibrino": (2.0, 4.0),
    "iga": (70.0, 400.0), "igg": (700.0, 1600.0), "igm": (40.0, 230.0), "c3": (0.9, None), "c4": (0.1, None),
})

#: Usual values of the numeric results (mean, standard deviation), before any clinical effect.
USUAL: Mapping[str, tuple[float, float]] = MappingProxyType({
    "wbc": (6.0, 1.0), "neut": (3.6, 0.7), "lymph": (1.6, 0.35), "hgb": (126, 9), "plat": (220, 40),
    "alt": (21, 6), "ast": (23, 5), "bili": (9.5, 2.2), "bilidir": (2.8, 0.6), "creat": (62, 9),
    "alb": (40.5, 2.5), "crp": (3.0, 1.2), "ldh": (185, 25), "ferritin": (110, 35),
    "inr": (1.0, 0.05), "pt": (11.8, 0.5), "aptt": (30.5, 2.5), "fibrino": (2.9, 0.35),
    "iga": (230, 50), "igg": (1250, 180), "igm": (105, 25), "c3": (0.98, 0.1), "c4": (0.21, 0.04),
})

AE_TERMS = ("Headache", "Fatigue", "Nausea", "Diarrhoea", "Rash maculo-papular", "Arthralgia", "Cough",
            "Upper respiratory tract infection", "Insomnia", "Dizziness")
HISTORY_TERMS = ("Hypertension", "Osteoporosis", "Steroid-induced diabetes mellitus", "Raynaud's phenomenon",
                 "Hyperlipidaemia", "Cataract", "Anxiety", "Gastro-oesophageal reflux disease")
INVESTIGATORS = ("Dr. Zhang Wei", "Dr. Li Na", "Dr. Wang Fang", "Dr. Liu Yang", "Dr. Chen Jing")


def _labs(form_items: tuple[str, ...]) -> dict[str, Spec]:
    """Result items with their usual values, plus their printed reference limits."""
    specs: dict[str, Spec] = {}
    for name in form_items:
        mean, sd = USUAL[name]
        specs[name] = Normal(mean, sd)
        low, high = REFERENCE[name]
        if low is not None:
            specs[f"{name}_lln"] = Fixed(low)
        if high is not None:
            specs[f"{name}_uln"] = Fixed(high)
    return specs


_AE: dict[str, Spec] = {
    "aespid": Fixed("1"), "aeterm": Among(AE_TERMS), "aecat": Pick({"OTHER": 6, "CRS": 2.5, "ICANS": 1.5}),
    "aeongo": Pick({NO: 7, YES: 3}), "aetoxgr": Pick({"1": 6, "2": 3, "3": 1}),
    "aedltcls": Pick({"OTHER": 6, "NEUTROPENIA": 2, "TRANSAMINASE_INCREASED": 1, "LAB_NOT_CLINICALLY_SIGNIFICANT": 1}),
    "crs_tmax": Normal(38.9, 0.3), "crs_fever_masked": Chance(0.6), "crs_death": Fixed(False),
    "crs_hypotension": Pick({"NONE": 7, "NO_VASOPRESSOR": 2, "ONE_VASOPRESSOR": 1}),
    "crs_o2_device": Pick({"NONE": 7, "NASAL_CANNULA_LOW_FLOW": 2.5, "FACEMASK": 0.5}), "crs_o2_flow": Normal(3, 1),
    **{f"ice_{name}": Chance(0.85) for name in (
        "orient_year", "orient_month", "orient_city", "orient_hospital", "name_object_1", "name_object_2",
        "name_object_3", "follow_commands", "write_sentence", "count_backwards")},
    "icans_consciousness": Pick({"NORMAL": 7, "AWAKENS_SPONTANEOUSLY": 2, "AWAKENS_TO_VOICE": 1}),
    "icans_seizure": Fixed("NONE"), "icans_motor": Fixed("NONE"), "icans_icp": Fixed("NONE"),
    "icans_death": Fixed(False), "aeser": Fixed(NO),
    "aerel": Pick({"NOT_RELATED": 3, "UNLIKELY": 3, "POSSIBLY": 3, "PROBABLY": 1}),
    "aerel_ld": Pick({"NOT_RELATED": 5, "UNLIKELY": 3, "POSSIBLY": 2}),
    "aeacn": Fixed("NOT APPLICABLE"), "aecontrt": Pick({NO: 6, YES: 4}),
}

_CM: dict[str, Spec] = {
    "cmtrt": Among(("Paracetamol", "Omeprazole", "Calcium carbonate and vitamin D3", "Amlodipine")),
    "cmgc": Fixed(NO), "cmgcdrug": Pick({"prednisone": 7, "methylprednisolone": 3}),
    "cmindc": Among(("Prophylaxis", "Hypertension", "Gastric protection", "Bone protection")),
    "cmdose": Among((5, 10, 20, 500, 600)), "cmdosu": Fixed("mg"), "cmdosfrq": Pick({"QD": 6, "BID": 3, "TID": 1}),
    "cmroute": Fixed("ORAL"), "cmongo": Pick({YES: 6, NO: 4}),
}

PROFILES: Mapping[str, Mapping[str, Spec]] = MappingProxyType({
    "informed_consent": {"icver": Among(("2.0, 2024-03-15", "2.1, 2024-09-02")), "iclar": Fixed(NO)},
    "demographics": {"age": Normal(36, 10), "sex": Pick({"F": 9, "M": 1}), "race": Fixed("ASIAN"),
                     "ethnic": Fixed("NOT HISPANIC OR LATINO")},
    "medical_history": {"mhterm": Among(HISTORY_TERMS), "mhongo": Pick({YES: 7, NO: 3})},
    "sle_history": {
        "sle_dx": Fixed(YES), "sle_criteria": Fixed(["ACR_1997", "SLICC_2012", "EULAR_ACR_2019"]),
        "sle_dur": Normal(72, 30), "ln_biopsy": Pick({NO: 6, YES: 4}), "ln_class": Pick({"IV": 5, "III": 3, "V": 2}),
        "gc_current": Fixed(YES), "gc_drug": Pick({"prednisone": 7, "methylprednisolone": 3}),
        "gc_dose": Among((10, 12, 15, 20)), "gc_stable_2w": Fixed(YES), "gc_high_8w": Fixed(NO),
        "regimen_months": Normal(10, 4), "antimalarial": Fixed(YES), "is_use": Fixed(YES),
        "is_agents": Pick({"MYCOPHENOLATE": 5, "TACROLIMUS": 3, "CYCLOPHOSPHAMIDE": 2}),
        "biologic_use": Pick({NO: 5, YES: 5}), "biologic_agents": Pick({"BELIMUMAB": 5, "TELITACICEPT": 3,
                                                                        "RITUXIMAB": 2}),
        "gilbert": Fixed(NO), "prior_cart": Fixed(NO), "prior_transplant": Fixed(NO), "dialysis": Fixed(NO)},
    "sledai": {name: Fixed(False) for name in (
        "seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance", "cranial_nerve_disorder",
        "lupus_headache", "cva", "vasculitis", "myositis", "urinary_casts", "pyuria", "pleurisy", "pericarditis",
        "fever")} | {"arthritis": Chance(0.3), "haematuria": Chance(0.2), "low_complement": Chance(0.4),
                     "increased_dna_binding": Chance(0.4), "thrombocytopenia": Chance(0.1),
                     "leukopenia": Chance(0.2), "rash": Pick({"ABSENT": 7, "PERSISTENT": 3}),
                     "alopecia": Pick({"ABSENT": 8, "PERSISTENT": 2}), "mucosal_ulcers": Fixed("ABSENT"),
                     "proteinuria": Pick({"ABSENT": 7, "PERSISTENT": 3})},
    "bilag": {name: Pick({"C": 2, "D": 3, "E": 5}) for name in (
        "constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal", "cardiorespiratory",
        "gastrointestinal", "ophthalmic", "renal", "haematological")},
    "pga": {"pga": Normal(1.0, 0.4)},
    # BVAS v3 with a few new features (a persistent picture never holds the items that are always new)
    "bvas": {name: Chance(0.1) if name in ("arthralgia", "haematuria", "proteinuria", "sinus_involvement")
             else Fixed(False) for items in BVAS_SYSTEMS.values() for name in items}
    | {"bvas_first": Chance(0.5), "bvas_persistent": Fixed(False)},
    "mmt8": {name: Normal(8.5, 1.0) for name in MMT8_DEFICIT} | {"mmt8_left": Fixed(False)},
    "mdaat": {name: Normal(1.5, 1.0) for name in (*MYOACT_BASELINE, "extramuscular_global")},
    "vital_signs": {"sysbp": Normal(117, 9), "diabp": Normal(73, 6), "pulse": Normal(76, 7), "resp": Normal(16, 1.5),
                    "temp": Normal(36.6, 0.2), "oxysat": Normal(98, 0.7), "oxysat_o2": Fixed(NO),
                    "weight": Normal(57, 7), "height": Normal(160, 5.5)},
    "ecg": {"hr": Normal(74, 7), "pr": Normal(154, 12), "qrs": Normal(88, 7), "qt": Normal(370, 18),
            "egintp": Fixed("NORMAL")},
    "echocardiography": {"lvef": Normal(63, 3.5), "pericardial_effusion": Fixed(NO), "cvintp": Fixed("NORMAL"),
                         "nyha": Fixed("I")},
    "haematology": _labs(("wbc", "neut", "lymph", "hgb", "plat")),
    "chemistry": _labs(("alt", "ast", "bili", "bilidir", "creat", "alb", "crp", "ldh", "ferritin")),
    "coagulation": _labs(("inr", "pt", "aptt", "fibrino")),
    "immunology": _labs(("iga", "igg", "igm", "c3", "c4")),
    "urinalysis": {"upcr": Normal(0.12, 0.04), "prot24h": Normal(0.12, 0.04), "rbc": Normal(2, 1),
                   "wbc": Normal(3, 1.5), "casts": Fixed("NEGATIVE")},
    "pregnancy_test": {"childbearing": Pick({YES: 7, NO: 3}), "pregtype": Fixed("SERUM"),
                       "pregres": Fixed("NEGATIVE"), "lactating": Fixed(NO)},
    "autoantibodies": {
        "ana": Pick({"POSITIVE": 9, "NEGATIVE": 1}), "ana_titer": Among((160, 320, 640, 1280)),
        "anti_dsdna": Pick({"POSITIVE": 6, "NEGATIVE": 4}), "anti_dsdna_val": Normal(60, 30),
        "anti_sm": Pick({"POSITIVE": 3, "NEGATIVE": 7}), "anti_sm_val": Normal(12, 6),
        **{name: Fixed("NEGATIVE") for name in ("anti_rnp", "anti_c1q", "acl_igg", "acl_igm", "acl_iga",
                                                 "anti_mda5", "anca_pr3", "anca_mpo")},
        **{f"{name}_val": Normal(3.0, 1.0) for name in ("anti_rnp", "anti_c1q", "acl_igg", "acl_igm", "acl_iga",
                                                        "anti_mda5", "anca_pr3", "anca_mpo")}},
    "infection_screen": {name: Fixed("NEGATIVE") for name in (
        "hbsag", "hbcab", "hcv_ab", "hiv_ab", "syphilis_ab", "ebv_igm", "cmv_igm")}
                        | {"ebv_dna": Fixed("NOT DETECTED"), "cmv_dna": Fixed("NOT DETECTED")},
    "itp_assessment": {"plat_prev": Normal(32, 8), "smear_normal": Fixed(YES), "spleen_enlarged": Fixed(NO),
                       "marrow_mk": Fixed(YES)},
    "leukapheresis": {"lkvol": Normal(10000, 1500), "lkcells": Normal(9000, 2000), "lkadequate": Fixed(YES)},
    "lymphodepletion": {"extrt": Pick({"FLUDARABINE": 1, "CYCLOPHOSPHAMIDE": 1}), "bsa": Normal(1.6, 0.1),
                        "exadj": Fixed(NO)},
    "cart_infusion": {"exsttim": Among(("09:30", "10:00", "10:15", "14:00")), "dose_level": Fixed("DL1"),
                      "dose_planned": Normal(50, 10), "weight_kg": Normal(57, 7), "infusion_complete": Fixed(YES),
                      "premed": Fixed(YES), "infusion_reaction": Fixed(NO)},
    "adverse_events": _AE,
    "concomitant_medications": _CM,
    "dlt_assessment": {"dlt_aespid": Fixed("1"), "dlt": Fixed(NO), "dlt_rule": Fixed("Not a DLT: grade 1-2 event"),
                       "dlt_inv": Among(INVESTIGATORS), "dlt_adj": Pick({"NOT_DLT": 7, "PENDING": 3})},
    "disposition": {"dsdecod": Pick({"COMPLETED": 7, "WITHDRAWAL BY SUBJECT": 2, "LOST TO FOLLOW-UP": 1}),
                    "dsterm": Fixed("Subject decided to leave the study"), "dsaeno": Fixed("1")},
    "death": {"dthcause": Fixed("Refractory septic shock"), "autopsy": Fixed(NO), "dth_crs": Fixed(NO),
              "dth_icans": Fixed(NO), "dthrel": Fixed("UNLIKELY")},
})
"""form id -> item name -> how its value is drawn (items not listed fall back to their type)."""

#: Items left out of a payload although optional items are usually filled: free-text extras and ad-hoc values.
#: The AE times of day are left out: no demo event falls under a DLT limit in hours (its CRS is grade 1-2).
OPTIONAL_SKIPPED = frozenset({"egabn", "marrow_dat", "cmaeno", "dthaeno", "aeimpdat", "aebasdat", "vstim",
                              "anca_hist", "hbv_dna_val", "hcv_rna_val", "ebv_dna_val", "cmv_dna_val",
                              "aesttim", "aeentim", "aewrstim", "aeimptim", "aebastim"})


def profile(form_id: str) -> Mapping[str, Spec]:
    """The item specs of `form_id` (empty for a form no profile describes, e.g. a study's ie_confirm)."""
    return PROFILES.get(form_id, {})
