"""Keeping coded terms in step with the records: new terms coded when they match, corrected ones re-opened.

What the system does by itself, in the transaction of the change that
caused it, each step audited as the system (no user):
- a record saved with a verbatim term (`record_terms`, called with every
  record change) gets its term, coded at once on an exact match in the
  study's release (`coding.auto`), else left in the queue;
- a correction that changes the term's text (more than its case or spacing)
  re-opens it: back in the queue uncoded (`coding.reopen`, the decision it
  had as the old value, so the trail keeps it), then matched again;
- when the data manager sets or changes a study's release (`use_release`):
  terms coded with another release move to it where their code is still
  codable there (`coding.upversion`) and are re-opened otherwise, records
  captured before coding began get their terms, and the queue is matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from edc import audit
from edc.app.coding import dictionary_store, store
from edc.app.coding.dictionary_store import Entry, Release
from edc.app.coding.store import AnyRow
from edc.app.kernel.actor import Actor
from edc.app.kernel.places import RecordPlace
from edc.coding.matching import name_key, single_match
from edc.definitions.catalog import StudyDefinition
from edc.definitions.coding import DICTIONARIES, coded_items


def record_terms(conn: Connection, study: StudyDefinition, place: RecordPlace, changes: Sequence[audit.ItemChange],
                 now: datetime) -> None:
    """Bring the record's coded terms in step with its change (`changes`: the items it changed)."""
    coded = coded_items(study.forms[place.form_id])
    for change in changes:
        if change.item in coded and isinstance(change.new_value, str):
            _sync(conn, study.id, place, change.item, coded[change.item], change.new_value, now)


def _sync(conn: Connection, study_id: str, place: RecordPlace, item: str, kind: str, verbatim: str,
          now: datetime) -> None:
    term = store.term_of(conn, place.record_id, item)
    if term is None:
        auto_code(conn, store.insert_term(conn, place, item=item, kind=kind, verbatim=verbatim, now=now),
                  dictionary_store.study_release(conn, study_id, kind), now)
        return
    if name_key(term.verbatim) == name_key(verbatim):  # the same term written otherwise: the decision stands
        store.update_term(conn, term, now, verbatim=verbatim)
        return
    reopened = reopen(conn, term, now, f"the verbatim term was corrected from {term.verbatim!r} to {verbatim!r}",
                      verbatim=verbatim)
    auto_code(conn, reopened, dictionary_store.study_release(conn, study_id, kind), now)


def reopen(conn: Connection, term: AnyRow, now: datetime, why: str, **values: object) -> AnyRow:
    """Put the term back in the queue, uncoded; a coded one's decision stays in the trail (`coding.reopen`)."""
    was = decision_text(conn, term)
    changed = store.update_term(conn, term, now, status=store.UNCODED, dictionary_id=None, code=None,
                                atc_code=None, method=None, decided_by=None, decided_at=None, **values)
    assert changed is not None  # the row is locked by this transaction
    if was is not None:
        audit_term(conn, "coding.reopen", changed, None, now, was, None, why)
    return changed


def auto_code(conn: Connection, term: AnyRow, release: Release | None, now: datetime) -> AnyRow:
    """Code an uncoded term on an exact match in `release` (audited `coding.auto`); the term after."""
    if release is None or term.status != store.UNCODED:
        return term
    found = {entry.code: entry for entry in dictionary_store.matching(conn, release, term.verbatim)}
    code = single_match(found)
    if code is None:
        return term
    return code_term(conn, term, release, found[code], None, None, now, "coding.auto",
                     f"exact match of {term.verbatim!r} in {DICTIONARIES[release.kind]} {release.version}")


def code_term(conn: Connection, term: AnyRow, release: Release, entry: Entry, atc_code: str | None,
              actor: Actor | None, now: datetime, action: str, why: str | None) -> AnyRow:
    """Store a decision (an ATC class: the one given, else a drug's only one) and audit it as `action`."""
    atc_code = dictionary_store.atc_of(entry, atc_code)
    was = decision_text(conn, term)
    coded = store.update_term(
        conn, term, now, status=store.CODED, dictionary_id=release.dictionary_id, code=entry.code, atc_code=atc_code,
        method=store.AUTO if actor is None else store.MANUAL, decided_by=None if actor is None else actor.user_id,
        decided_at=now)
    assert coded is not None  # the row is locked by this transaction
    audit_term(conn, action, coded, actor, now, was, _text(release, entry.code, entry.name, atc_code), why)
    return coded


def use_release(conn: Connection, study: StudyDefinition, release: Release, now: datetime) -> None:
    """After the study moved to `release`: move or re-open the decisions of other releases, collect the terms of
    older records, match the queue."""
    for term in store.terms_of(conn, study.id, release.kind, store.CODED):
        if term.dictionary_id == release.dictionary_id:
            continue
        entry = dictionary_store.entries(conn, release, [term.code]).get(term.code)
        atc = {code for code, _ in entry.atc} if entry is not None else set()
        if entry is None or not entry.codable or (term.atc_code is not None and term.atc_code not in atc):
            reopen(conn, term, now, f"{term.code} cannot be coded to in {_name(release)}")
        else:
            code_term(conn, term, release, entry, term.atc_code, None, now, "coding.upversion",
                      f"the study moved to {_name(release)}")
    _collect(conn, study, release.kind, now)
    for term in store.terms_of(conn, study.id, release.kind, store.UNCODED):
        auto_code(conn, term, release, now)


def _collect(conn: Connection, study: StudyDefinition, kind: str, now: datetime) -> None:
    """Give the records captured before coding began their terms, uncoded."""
    for form in study.forms.values():
        for item, coded_by in coded_items(form).items():
            if coded_by != kind:
                continue
            for row in store.records_without_term(conn, study, form.id, item):
                place = RecordPlace(study.id, int(row.site_id), int(row.subject_id), int(row.visit_id),
                                    int(row.record_id), form.id)
                store.insert_term(conn, place, item=item, kind=kind, verbatim=str(row.value), now=now)


def decision_text(conn: Connection, term: AnyRow) -> str | None:
    """How the audit trail states a term's decision (None for an uncoded term)."""
    if term.status != store.CODED or term.dictionary_id is None:
        return None
    release = dictionary_store.release_by_id(conn, int(term.dictionary_id))
    entry = dictionary_store.entries(conn, release, [term.code]).get(term.code)
    return _text(release, term.code, entry.name if entry is not None else None, term.atc_code)


def _text(release: Release, code: str, name: str | None, atc_code: str | None) -> str:
    return f"{_name(release)} {code}" + (f" {name}" if name else "") + (f" (ATC {atc_code})" if atc_code else "")


def _name(release: Release) -> str:
    return f"{DICTIONARIES[release.kind]} {release.version}"


def audit_term(conn: Connection, action: str, term: AnyRow, actor: Actor | None, now: datetime,
               old: object, new: object, why: str | None) -> None:
    """One audit event of a term, on its record and item (the system acts when `actor` is None)."""
    audit.append(conn, action=action, occurred_at=now, user_id=None if actor is None else actor.user_id,
                 role=None if actor is None else actor.role, site_id=term.site_id, study_id=term.study_id,
                 subject_id=term.subject_id, record_id=term.record_id, form_id=term.form_id, item=term.item,
                 old_value=old, new_value=new, reason=why)
