"""Whose decision makes a DLT outcome count (edc.domain.dlt.decision), rule by rule, on the paths the escalation
state tests do not take: late referrals, events needing no decision, and an assessment of one all the same."""

from __future__ import annotations

import pytest

from edc.definitions.model import DltOutcomeRule
from edc.domain.dlt import DltVerdict
from edc.domain.dlt.decision import Awaiting, Decision, decided_outcome

COMMITTEE = DltOutcomeRule(decided_by="committee", committee="Safety Review Committee (SRC)")
SIGNED = DltOutcomeRule(decided_by="investigator", signed=True)


@pytest.mark.parametrize(("rule", "proposed", "investigator", "signed", "committee", "expected"), [
    # a late event goes to the committee under any rule, and counts once it has decided
    (SIGNED, DltVerdict.REFER_TO_COMMITTEE, "DLT", True, None,
     Decision(DltVerdict.REFER_TO_COMMITTEE, Awaiting.COMMITTEE_VERDICT, "safety review committee")),
    (SIGNED, DltVerdict.REFER_TO_COMMITTEE, None, False, "DLT", Decision(DltVerdict.DLT)),
    # no candidate: nothing to decide, unless the investigator assessed it all the same
    (COMMITTEE, DltVerdict.NOT_CANDIDATE, None, False, None, Decision(DltVerdict.NOT_CANDIDATE)),
    (COMMITTEE, DltVerdict.NOT_CANDIDATE, "DLT", True, None,
     Decision(DltVerdict.PENDING, Awaiting.COMMITTEE_VERDICT, "Safety Review Committee (SRC)")),
    (SIGNED, DltVerdict.NOT_CANDIDATE, "DLT", False, None,
     Decision(DltVerdict.PENDING, Awaiting.SIGNATURE, "investigator")),
    (SIGNED, DltVerdict.NOT_CANDIDATE, "DLT", True, None, Decision(DltVerdict.DLT)),
    # a proposal still waiting for an improvement is decided by the signed assessment
    (SIGNED, DltVerdict.PENDING, "NOT_DLT", True, None, Decision(DltVerdict.NOT_DLT)),
    (SIGNED, DltVerdict.PENDING, None, False, None,
     Decision(DltVerdict.PENDING, Awaiting.SIGNED_ASSESSMENT, "investigator")),
])
def test_decided_outcome(rule: DltOutcomeRule, proposed: DltVerdict, investigator: str | None, signed: bool,
                         committee: str | None, expected: Decision) -> None:
    assert decided_outcome(rule, proposed, investigator=investigator, signed=signed, committee=committee) == expected
