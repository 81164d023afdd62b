"""The words the system itself gives meaning to, whatever the trial: one home for each.

Visit codes the server allocates, the subject, visit and record statuses it
moves through, and the ids of the standard library forms that its use cases read
(eligibility confirmation, the dated steps of treatment that edit checks read,
adverse events, DLT assessment), and the
codes the DLT screening reads: DLT event classes and relatedness. Trial
specifics (a visit's code, its day) stay in the YAML.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal

ROLES: Final = ("investigator", "coordinator", "data_manager", "monitor", "safety_reviewer", "administrator")
"""The roles a grant can give (what each may do is tabled in `edc.app.kernel.permissions`)."""
EntryRole = Literal["investigator", "coordinator"]
"""The roles that enter clinical data: a form or an item may be reserved to some of them (`entered_by`)."""

LOGS_VISIT: Final = "LOGS"
"""The pseudo-visit holding a subject's running logs (adverse events, medications)."""
UNSCHEDULED_VISIT: Final = "UNS"
"""The visit code of unscheduled visits, numbered by occurrence."""

SCREENING: Final = "screening"
ELIGIBLE: Final = "eligible"
SCREEN_FAILED: Final = "screen_failed"
ENROLLED: Final = "enrolled"
"""Subject statuses: screening, then eligible or screen_failed by the investigator's decision, then enrolled."""

PLANNED: Final = "planned"
DONE: Final = "done"
MISSED: Final = "missed"
"""Visit statuses: planned from the infusion date, done when its date is recorded, or missed with a reason."""

ENTERED: Final = "entered"
WITHDRAWN: Final = "withdrawn"
"""Form record statuses: entered, then withdrawn (entered in error) by site staff with a reason: the record is
kept, read alone and in the trail, and counts nowhere (`edc.app.records.store.COUNTING`)."""

IE_CONFIRM_FORM: Final = "ie_confirm"
CONSENT_FORM: Final = "informed_consent"
LEUKAPHERESIS_FORM: Final = "leukapheresis"
LYMPHODEPLETION_FORM: Final = "lymphodepletion"
INFUSION_FORM: Final = "cart_infusion"
AE_FORM: Final = "adverse_events"
DLT_FORM: Final = "dlt_assessment"
MEDICATION_FORM: Final = "concomitant_medications"
MEDICATION_REVIEW_FORM: Final = "medication_review"
DEATH_FORM: Final = "death"
DISPOSITION_FORM: Final = "disposition"
"""Standard forms of the library that use cases read by id."""


RELATEDNESS_CODES: Final = ("NOT_RELATED", "UNLIKELY", "POSSIBLY", "PROBABLY", "DEFINITELY")
"""Codes of the `relatedness` codelist (item aerel), least to most related."""


class EventClass(StrEnum):
    """The DLT event class of an adverse event: the coded item the AE form carries next to aecat (aedltcls).

    CRS and ICANS are the ASTCT 2019 syndromes; every other class is a CTCAE v5.0 term or group. The
    `dlt_event_class` codelist holds these codes.
    """

    CRS = "CRS"  # cytokine release syndrome
    ICANS = "ICANS"  # immune effector cell-associated neurotoxicity syndrome
    SEIZURE = "SEIZURE"  # seizure recorded as its own event (CTCAE "Seizure")
    NEUTROPENIA = "NEUTROPENIA"  # neutrophil count decreased
    LEUKOPENIA = "LEUKOPENIA"  # white blood cell decreased
    LYMPHOPENIA = "LYMPHOPENIA"  # lymphocyte count decreased
    ANAEMIA = "ANAEMIA"
    THROMBOCYTOPENIA = "THROMBOCYTOPENIA"  # platelet count decreased
    OTHER_CYTOPENIA = "OTHER_CYTOPENIA"  # any other blood cell decrease
    TRANSAMINASE_INCREASED = "TRANSAMINASE_INCREASED"  # ALT and/or AST increased
    BILIRUBIN_INCREASED = "BILIRUBIN_INCREASED"  # blood bilirubin increased
    HLH = "HLH"  # haemophagocytic lymphohistiocytosis (incl. IEC-associated HLH-like syndrome)
    CHILLS = "CHILLS"
    HYPOTENSION_ISOLATED = "HYPOTENSION_ISOLATED"  # hypotension without other signs of CRS
    LAB_NOT_CLINICALLY_SIGNIFICANT = "LAB_NOT_CLINICALLY_SIGNIFICANT"  # abnormal value judged not significant
    OTHER = "OTHER"  # every other adverse event
