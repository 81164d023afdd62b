"""The words the system itself gives meaning to, whatever the trial: one home for each.

Visit codes the server allocates, the subject and visit statuses it moves
through, and the ids of the standard library forms that its use cases read
(eligibility confirmation, infusion, adverse events, DLT assessment). Trial
specifics (a visit's code, its day) stay in the YAML.
"""

from __future__ import annotations

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

IE_CONFIRM_FORM: Final = "ie_confirm"
INFUSION_FORM: Final = "cart_infusion"
AE_FORM: Final = "adverse_events"
DLT_FORM: Final = "dlt_assessment"
"""Standard forms of the library that use cases read by id."""
