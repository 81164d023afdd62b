"""What the DLT screening says: the verdict on one adverse event, the rule that decided it, a subject's DLT window.

The ids of the fixed rules (those not configured one by one in the study's DLT
definition) live here too: a configured rule carries its own id, which must
differ from these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

MIN_GRADE = 1
MAX_GRADE = 5

BEFORE_INFUSION = "before_infusion"
NOT_RELATED = "not_related"
OUTSIDE_WINDOW = "outside_window"
LATE_ONSET_REFERRAL = "late_onset_referral"
BELOW_DLT_GRADE = "below_dlt_grade"
ALWAYS_DLT = "always_dlt"
NO_DLT_CRITERION = "no_dlt_criterion"
INCONSISTENT_RECORD = "inconsistent_record"  # dates or times out of order (the form's checks raised findings)
CAUSALITY_NOT_ASSESSED = "causality_not_assessed"  # logged by a coordinator, awaiting the investigator's causality
FIXED_RULE_IDS = (BEFORE_INFUSION, NOT_RELATED, OUTSIDE_WINDOW, LATE_ONSET_REFERRAL, BELOW_DLT_GRADE,
                  ALWAYS_DLT, NO_DLT_CRITERION, INCONSISTENT_RECORD, CAUSALITY_NOT_ASSESSED)

DataValue = int | float | str | None
"""A value read to reach a proposal (hours are decimals); dates are ISO 8601 strings, stored or exported as is."""


class DltVerdict(StrEnum):
    """What the screening proposes for one adverse event; DLT, NOT_DLT and PENDING share the dlt_decision codes."""

    DLT = "DLT"
    NOT_DLT = "NOT_DLT"
    PENDING = "PENDING"  # cannot be told yet: see DltProposal.decided_by
    REFER_TO_COMMITTEE = "REFER_TO_COMMITTEE"  # the protocol leaves it to the safety review committee
    NOT_CANDIDATE = "NOT_CANDIDATE"  # not related, before infusion, outside the window or below the DLT grades


class WindowState(StrEnum):
    """A subject's DLT window on a given day."""

    OPEN = "OPEN"  # window still running, no DLT so far
    DLT = "DLT"  # at least one DLT: decided, even while the window is open
    CLOSED_NO_DLT = "CLOSED_NO_DLT"  # window over, every event decided, none a DLT
    AWAITING_DECISION = "AWAITING_DECISION"  # window over, an event still pending or with the committee
    NOT_EVALUABLE = "NOT_EVALUABLE"  # the subject does not count for DLT (e.g. an expansion subject)


@dataclass(frozen=True)
class DltProposal:
    """The screening result for one adverse event: the verdict, the one rule that decided it and what it read.

    `decided_by` (PENDING only) is the first date on which the event becomes a
    DLT unless the awaited improvement is recorded.
    """

    aespid: str
    verdict: DltVerdict
    rule_id: str
    reference: str
    data: Mapping[str, DataValue] = field(hash=False)
    decided_by: date | None = None


@dataclass(frozen=True)
class DltWindow:
    """A subject's DLT window: its state, its last day (infusion + window days) and the events still undecided."""

    state: WindowState
    window_end: date
    undecided: int = 0


def check_grade(grade: object, owner: str) -> None:
    """ValueError unless `grade` is an integer grade 1-5; `owner` names what carries it."""
    if isinstance(grade, bool) or not isinstance(grade, int) or not MIN_GRADE <= grade <= MAX_GRADE:
        raise ValueError(f"{owner}: grade must be an integer in {MIN_GRADE}-{MAX_GRADE}, got {grade!r}")
