"""The replay's fold, as pure functions: what one entity's audit events say its current values are.

Each fold takes the events of one entity (a form record, a subject, a
subject's visits) in chain order and returns the values they leave, in the
canonical text of `value_text`, together with the inconsistencies found on the
way: an event whose old value is not the value the events before it left
means the value was changed without an event in between (a later, audited
change can hide the unaudited one from the table, not from the trail).

Which events build what (and what they cannot build) is listed in
`edc.audit.replay`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from edc.audit.chain import value_text
from edc.definitions.vocabulary import DONE, ENTERED, LOGS_VISIT, PLANNED, SCREENING, UNSCHEDULED_VISIT

#: The subject columns the trail carries, as event items.
SUBJECT_ITEMS = ("subject_number", "cohort", "screened_on", "status", "enrolled_on", "dose_level", "dlt_evaluable")
#: The visit columns the trail carries.
VISIT_ITEMS = ("status", "planned_date", "visit_date")
#: The status of the log visit, opened with the subject.
LOG_VISIT_STATUS = "open"


@dataclass(frozen=True)
class Gap:
    """An inconsistency inside one entity's events: `event_id`'s old value of `item` was not the one before."""

    event_id: int
    item: str | None
    problem: str


@dataclass
class Folded:
    """What an entity's events leave: item -> canonical text, who created and last changed it, and the gaps."""

    values: dict[str, str | None] = field(default_factory=dict)
    created: Any = None  # the first event (a mapping), None when the events hold no creating one
    updated: Any = None  # the last changing event
    changes: int = 0  # change transactions, at most (one per distinct event time)
    most_per_item: int = 0  # change transactions, at least (each changes an item once)
    gaps: list[Gap] = field(default_factory=list)
    withdrawn: Any = None  # a form record's withdrawing event (`record.withdraw`), None while it counts

    def set(self, event: Mapping[str, Any], item: str, checked_old: bool = True) -> None:
        """Apply `event`'s new value to `item`, checking its old value against the one folded so far."""
        before = self.values.get(item)
        if checked_old and not same_value(event["old_value"], before):
            self.gaps.append(Gap(int(event["id"]), item, f"event {event['id']} found {event['old_value']} where "
                                                        f"the trail had left {before}: changed without an event"))
        self.values[item] = event["new_value"]


def fold_record(events: Iterable[Mapping[str, Any]]) -> Folded:
    """A form record's item values from its `record.create` and `record.correct` events, and its withdrawal
    (`record.withdraw`, a change of its own, after which nothing changes it)."""
    folded, per_item, times = Folded(), dict[str, int](), set[Any]()
    for event in events:
        item, action = event["item"], event["action"]
        if action == "record.create":
            if folded.created is None:
                folded.created = event
            if item is not None:
                folded.set(event, item, checked_old=False)
            continue
        if folded.withdrawn is not None:
            folded.gaps.append(Gap(int(event["id"]), item, f"event {event['id']} ({action}) changes the record "
                                                         f"after its withdrawal (event {folded.withdrawn['id']})"))
        if action == "record.withdraw":
            if event["old_value"] != value_text(ENTERED):
                folded.gaps.append(Gap(int(event["id"]), item, f"event {event['id']} withdraws a record whose "
                                                             f"status was {event['old_value']}, not entered"))
            folded.withdrawn = folded.updated = event
            times.add(event["occurred_at"])
        elif action == "record.correct" and item is not None:
            folded.set(event, item)
            per_item[item] = per_item.get(item, 0) + 1
            times.add(event["occurred_at"])
            folded.updated = event
    withdrawals = int(folded.withdrawn is not None)  # a transaction of its own, never a correction's
    folded.changes, folded.most_per_item = len(times), max(per_item.values(), default=0) + withdrawals
    if folded.updated is None:
        folded.updated = folded.created
    return folded


def fold_subject(events: Iterable[Mapping[str, Any]]) -> Folded:
    """A subject's identity and status from `subject.screen`, `eligibility.decide` and `subject.enrol`."""
    folded = Folded()
    for event in events:
        item = event["item"]
        if event["action"] == "subject.screen":
            if folded.created is None:
                folded.created = event
                folded.values["status"] = value_text(SCREENING)
            if item in SUBJECT_ITEMS:
                folded.set(event, item, checked_old=False)
        elif item in SUBJECT_ITEMS and item != "subject_number":
            folded.set(event, item)
    return folded


def fold_visits(events: Iterable[Mapping[str, Any]]) -> dict[str, Folded]:
    """A subject's visits by `<code>#<occurrence>` from the `visit.*` events."""
    visits: dict[str, Folded] = {}
    for event in events:
        key = str(event["item"])
        visit = visits.setdefault(key, Folded())
        action = event["action"]
        if action == "visit.create":
            visit.created = event
            visit.values.update(_created_visit(key.split("#")[0], event["new_value"]))
        elif action == "visit.reschedule":
            visit.set(event, "planned_date")
        elif action == "visit.date":
            visit.set(event, "visit_date")
            visit.values["status"] = value_text(DONE)
        elif action == "visit.missed":
            visit.values["status"] = event["new_value"]
    return visits


def _created_visit(code: str, value: str | None) -> dict[str, str | None]:
    """A new visit's columns: the log visit is open and undated; an unscheduled one carries the date it took
    place (done) or none (planned); a scheduled one its planned date."""
    if code == LOGS_VISIT:
        return {"status": value_text(LOG_VISIT_STATUS), "planned_date": None, "visit_date": None}
    if code == UNSCHEDULED_VISIT:
        return {"status": value_text(DONE if value is not None else PLANNED), "planned_date": None,
                "visit_date": value}
    return {"status": value_text(PLANNED), "planned_date": value, "visit_date": None}


def differences(expected: Mapping[str, str | None],
                found: Mapping[str, object]) -> list[tuple[str, str | None, str | None]]:
    """(item, what the trail says, what the table holds) for every item of `found` whose canonical text differs."""
    out = []
    for item, value in found.items():
        text = value_text(value)
        if not same_value(expected.get(item), text):
            out.append((item, expected.get(item), text))
    return out


def same_value(said: str | None, found: str | None) -> bool:
    """Whether two canonical texts hold the same value: the same text, or the same number at another scale.

    A migration that gives a decimal column more places (creatinine from 0 to 1 in umol/L) reads 88 back
    as 88.0: the same value, which no event changed, so not a difference.
    """
    if said == found:
        return True
    if said is None or found is None:
        return False
    try:
        return Decimal(said) == Decimal(found)
    except InvalidOperation:
        return False
