"""The replay of decisions and monitoring: what their events say against their rows.

Each table is append-mostly, so its rows are paired with their creating
events in order (per subject, per adverse event, per study or per record
item), or by the id the event's reason names:
- `eligibility_decisions` <- `eligibility.decide` (item `decision`): decision,
  reason, who and when (not the engine's computed status and criteria);
- `dlt_adjudications` <- `dlt.adjudicate` (item `AE <aespid>`): AE number,
  verdict, reason, who and when (not the engine's proposal);
- `escalation_decisions` <- `escalation.decide`: action and level, the
  recommendation, whether it overrides it, reason, who and when;
- `intermediate_dose_levels` <- `escalation.open_level` (item: the level
  id), per study in order: label, dose and unit, the levels it lies between
  (who, when and why are its decision's, replayed above);
- `signatures` <- `record.sign` and `signature.invalidate` (reason
  `signature <id>: ...`): scope, record, signer, meaning, content hash, when;
  invalidation time and reason (not a visit signature's visit);
- `sdv_marks` <- `sdv.mark` and `sdv.clear`, per record and item: who, when,
  the record version verified (from the reason), clearing time and reason;
- `locks` <- `lock.place` and `lock.release` (reason `lock <id>[: ...]`):
  scope, state, site, subject, record, who and when placed and released, and
  why released (not a visit lock's visit).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from itertools import zip_longest
from typing import Any

from sqlalchemy import Connection, Table, func, select

from edc.audit.chain import value_text
from edc.audit.fold import differences
from edc.audit.streams import Report, grouped, merged, stream
from edc.db.core import Study
from edc.db.decisions import DltAdjudication, EligibilityDecision, EscalationDecision, IntermediateDoseLevel
from edc.db.monitoring import Lock, SdvMark, Signature
from edc.db.trail import AuditEvent

_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
Row = Mapping[str, Any]
Expected = dict[str, str | None]


def check_all(conn: Connection, report: Report) -> None:
    """Every decision and monitoring table against its events."""
    _eligibility(conn, report)
    _adjudications(conn, report)
    _escalation(conn, report)
    _by_id(conn, report, Signature, ("record.sign", "signature.invalidate"), "signature", _signatures)
    _by_id(conn, report, Lock, ("lock.place", "lock.release"), "lock", _locks)
    _sdv(conn, report)


def _who(event: Row, at: str = "decided_at", by: str = "decided_by") -> Expected:
    return {at: value_text(event["occurred_at"]), by: value_text(event["user_id"])}


def _paired(report: Report, table: str, found: Sequence[Row], said: Sequence[Row], label: str,
            expected_of: Callable[[Row], Expected]) -> None:
    """Rows and their creating events paired in order; each row compared with what its event says."""
    for row, event in zip_longest(found, said):
        if row is None:
            report.add(table, label, None, f"missing: event {event['id']} created a row the table does not have")
        elif event is None:
            report.add(table, f"{row['id']} ({label})", None, "no creating event in the trail")
        else:
            expected = expected_of(event)
            for item, trail, value in differences(expected, {name: row[name] for name in expected}):
                report.differs(table, f"{row['id']} ({label})", item, trail, value)


def _eligibility(conn: Connection, report: Report) -> None:
    rows = select(EligibilityDecision).order_by(EligibilityDecision.subject_id, EligibilityDecision.id)
    events = select(_EVENTS).where(_EVENTS.c.action == "eligibility.decide", _EVENTS.c.item == "decision") \
        .order_by(_EVENTS.c.subject_id, _EVENTS.c.id)
    for subject_id, found, said in merged(grouped(stream(conn, rows), lambda r: r["subject_id"]),
                                          grouped(stream(conn, events), lambda e: e["subject_id"]), report):
        _paired(report, "eligibility_decisions", found, said, f"subject {subject_id}", lambda e: {
            "decision": e["new_value"], "reason": value_text(e["reason"]), **_who(e)})


def _adjudications(conn: Connection, report: Report) -> None:
    rows = select(DltAdjudication).order_by(DltAdjudication.subject_id, DltAdjudication.id)
    events = select(_EVENTS).where(_EVENTS.c.action == "dlt.adjudicate").order_by(_EVENTS.c.subject_id, _EVENTS.c.id)
    for subject_id, found, said in merged(grouped(stream(conn, rows), lambda r: r["subject_id"]),
                                          grouped(stream(conn, events), lambda e: e["subject_id"]), report):
        aes = {str(r["aespid"]) for r in found} | {str(e["item"]).removeprefix("AE ") for e in said}
        for aespid in sorted(aes):
            _paired(report, "dlt_adjudications", [r for r in found if r["aespid"] == aespid],
                    [e for e in said if e["item"] == f"AE {aespid}"], f"subject {subject_id} AE {aespid}",
                    lambda e: {"verdict": e["new_value"], "reason": value_text(e["reason"]), **_who(e)})


def _escalation(conn: Connection, report: Report) -> None:
    """Per study (a handful of decisions and opened levels each), paired in order."""
    for study_id in conn.execute(select(Study.id).order_by(Study.id)).scalars():
        for model, action, expected_of in ((EscalationDecision, "escalation.decide", _escalation_expected),
                                           (IntermediateDoseLevel, "escalation.open_level", _opened_expected)):
            rows = select(model).where(model.study_id == study_id).order_by(model.id)
            events = select(_EVENTS).where(_EVENTS.c.action == action, _EVENTS.c.study_id == study_id) \
                .order_by(_EVENTS.c.id)
            found, said = list(stream(conn, rows)), list(stream(conn, events))
            report.rows, report.events = report.rows + len(found), report.events + len(said)
            _paired(report, model.__tablename__, found, said, f"study {study_id}", expected_of)


def _escalation_expected(event: Row) -> Expected:
    """`new_value` is "<action> <level>" as chosen, `old_value` the same of the recommendation."""
    action, level = _action_level(event["new_value"])
    recommended, recommended_level = _action_level(event["old_value"])
    return {"action": value_text(action), "level": value_text(level),
            "recommended_action": value_text(recommended), "recommended_level": value_text(recommended_level),
            "overrides": value_text((action, level) != (recommended, recommended_level)),
            "reason": value_text(event["reason"]), **_who(event)}


def _opened_expected(event: Row) -> Expected:
    """`item` is the level id, `new_value` {"dose": {"value", "unit"}, "label", "between": [lower, upper]}."""
    loaded = json.loads(event["new_value"]) if event["new_value"] is not None else None
    said: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
    dose: dict[str, Any] = said["dose"] if isinstance(said.get("dose"), dict) else {}
    between: list[Any] = said["between"] if isinstance(said.get("between"), list) else []
    between = (between + [None, None])[:2]
    return {"level_id": value_text(event["item"]), "label": value_text(said.get("label")),
            "dose_value": value_text(dose.get("value")), "dose_unit": value_text(dose.get("unit")),
            "lower_level": value_text(between[0]), "upper_level": value_text(between[1])}


def _action_level(text: str | None) -> tuple[str | None, str | None]:
    words = str(json.loads(text)).split(" ", 1) if text is not None else [None]
    return words[0], words[1] if len(words) > 1 else None


def _numbered(reason: str | None, word: str) -> tuple[int | None, str | None]:
    """The id and the rest of a reason `<word> <id>[: <rest>]`; (None, None) when it names none."""
    matched = re.fullmatch(rf"{word} (\d+)(?:: (.*))?", reason or "", re.DOTALL)
    return (int(matched[1]), matched[2]) if matched else (None, None)


def _by_id(conn: Connection, report: Report, model: Any, actions: tuple[str, ...], word: str,
           expected_of: Callable[[Sequence[Row], Report], dict[int, Expected]]) -> None:
    """Rows matched with events by the id their reasons name, a subject at a time (study-wide rows under 0)."""
    table = model.__tablename__
    rows = select(model).order_by(func.coalesce(model.subject_id, 0), model.id)
    events = select(_EVENTS).where(_EVENTS.c.action.in_(actions)) \
        .order_by(func.coalesce(_EVENTS.c.subject_id, 0), _EVENTS.c.id)
    for _subject, found, said in merged(grouped(stream(conn, rows), lambda r: r["subject_id"] or 0),
                                        grouped(stream(conn, events), lambda e: e["subject_id"] or 0), report):
        expected = expected_of(said, report)
        for row in found:
            wanted = expected.pop(int(row["id"]), None)
            if wanted is None:
                report.add(table, f"{word} {row['id']}", None, "no creating event in the trail")
                continue
            for item, trail, value in differences(wanted, {name: row[name] for name in wanted}):
                report.differs(table, f"{word} {row['id']}", item, trail, value)
        for missing in expected:
            report.add(table, f"{word} {missing}", None, "missing: the trail has it, the table has no such row")


def _signatures(events: Sequence[Row], report: Report) -> dict[int, Expected]:
    signatures: dict[int, Expected] = {}
    for event in events:
        number, rest = _numbered(event["reason"], "signature")
        if number is None:
            report.add("signatures", "?", None, f"event {event['id']} names no signature")
        elif event["action"] == "record.sign":
            signatures[number] = {
                "subject_id": value_text(event["subject_id"]), "scope": value_text(event["item"]),
                "record_id": value_text(event["record_id"]), "meaning": value_text(rest),
                "content_sha256": event["new_value"], "invalidated_at": None, "invalidated_reason": None,
                **_who(event, "signed_at", "user_id")}
        elif number in signatures:
            signatures[number] |= {"invalidated_at": value_text(event["occurred_at"]),
                                   "invalidated_reason": value_text(rest)}
    return signatures


def _locks(events: Sequence[Row], report: Report) -> dict[int, Expected]:
    locks: dict[int, Expected] = {}
    for event in events:
        number, rest = _numbered(event["reason"], "lock")
        if number is None:
            report.add("locks", "?", None, f"event {event['id']} names no lock")
        elif event["action"] == "lock.place":
            locks[number] = {
                "scope": value_text(event["item"]), "state": event["new_value"],
                "site_id": value_text(event["site_id"]), "subject_id": value_text(event["subject_id"]),
                "record_id": value_text(event["record_id"]), "released_at": None, "released_by": None,
                "release_reason": None, **_who(event, "created_at", "created_by")}
        elif number in locks:
            locks[number] |= {**_who(event, "released_at", "released_by"), "release_reason": value_text(rest)}
    return locks


def _sdv(conn: Connection, report: Report) -> None:
    """Per record and item: the marks in order, each cleared by the `sdv.clear` that follows it."""
    rows = select(SdvMark).order_by(SdvMark.record_id, SdvMark.id)
    events = select(_EVENTS).where(_EVENTS.c.action.in_(("sdv.mark", "sdv.clear"))) \
        .order_by(_EVENTS.c.record_id, _EVENTS.c.id)
    for record_id, found, said in merged(grouped(stream(conn, rows), lambda r: r["record_id"]),
                                         grouped(stream(conn, events), lambda e: e["record_id"]), report):
        for item in sorted({str(r["item"]) for r in found} | {str(e["item"]) for e in said}):
            marked, marks = _folded_marks([e for e in said if e["item"] == item])
            _paired(report, "sdv_marks", [r for r in found if r["item"] == item], marked,
                    f"record {record_id} item {item}", _by_event(marks))


def _by_event(expected: dict[int, Expected]) -> Callable[[Row], Expected]:
    """What each event made, looked up by the event's id."""
    return lambda event: expected[int(event["id"])]


def _folded_marks(events: Sequence[Row]) -> tuple[list[Row], dict[int, Expected]]:
    """One item's `sdv.mark` events and, by event id, the mark each made, cleared by the `sdv.clear` after it."""
    marked: list[Row] = []
    marks: dict[int, Expected] = {}
    for event in events:
        if event["action"] == "sdv.mark":
            version = str(event["reason"] or "").rsplit(" ", 1)[-1]
            marked.append(event)
            marks[int(event["id"])] = {"record_version": version if version.isdigit() else None,
                                       "cleared_at": None, "cleared_reason": None,
                                       **_who(event, "verified_at", "verified_by")}
        elif marked:
            marks[int(marked[-1]["id"])] |= {"cleared_at": value_text(event["occurred_at"]),
                                             "cleared_reason": value_text(event["reason"])}
    return marked, marks
