"""Whose decision makes a DLT outcome count: one adverse event's outcome for the 3+3, and what it still awaits.

The screening proposes; the trial's `escalation.dlt_outcome` (`DltOutcomeRule`) says who decides:

- A committee verdict counts whenever one is given, under any rule (the committee may overrule).
- An event the screening refers to the committee (onset after the window) stays REFER_TO_COMMITTEE, awaiting
  the committee's verdict, whatever the rule.
- An event that is no DLT candidate (not related, before the infusion, outside the window, below the DLT
  grades) needs no decision, unless the investigator assessed it all the same: a person thought it relevant.
- Any other event (proposed DLT, NOT_DLT or PENDING) is PENDING until its decider decides:
  `committee` -> the committee's verdict; `investigator` -> the investigator's assessment, and with
  `signed` only while a valid signature covers that assessment (a correction invalidates the signature,
  so the event is pending again until the investigator signs again).

Pure: the caller says which assessments are signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from edc.definitions.model import DltOutcomeRule
from edc.domain.dlt.outcomes import DltVerdict


class Awaiting(StrEnum):
    """What an event's outcome still waits for before it counts."""

    COMMITTEE_VERDICT = "committee verdict"
    ASSESSMENT = "investigator's assessment"
    SIGNED_ASSESSMENT = "investigator's signed assessment"
    SIGNATURE = "investigator's signature"  # assessed, but no valid signature covers the assessment


@dataclass(frozen=True)
class Decision:
    """The outcome that counts for one event, and what it awaits and from whom (both None once decided)."""

    outcome: DltVerdict
    awaiting: Awaiting | None = None
    awaiting_from: str | None = None


def decided_outcome(rule: DltOutcomeRule, proposed: DltVerdict, *, investigator: str | None, signed: bool,
                    committee: str | None) -> Decision:
    """The event's outcome under `rule`: `investigator` and `committee` are their verdict codes (DLT / NOT_DLT)
    or None; `signed` says whether a valid signature covers the investigator's assessment."""
    if committee is not None:
        return Decision(DltVerdict(committee))
    if proposed is DltVerdict.REFER_TO_COMMITTEE:
        return Decision(proposed, Awaiting.COMMITTEE_VERDICT, rule.committee)
    if proposed is DltVerdict.NOT_CANDIDATE and investigator is None:
        return Decision(proposed)
    if rule.decided_by == "committee":
        return Decision(DltVerdict.PENDING, Awaiting.COMMITTEE_VERDICT, rule.committee)
    if investigator is None:
        return Decision(DltVerdict.PENDING, Awaiting.SIGNED_ASSESSMENT if rule.signed else Awaiting.ASSESSMENT,
                        "investigator")
    if rule.signed and not signed:
        return Decision(DltVerdict.PENDING, Awaiting.SIGNATURE, "investigator")
    return Decision(DltVerdict(investigator))
