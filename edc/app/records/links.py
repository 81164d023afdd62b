"""Keys and references of form records: a log form's key unique per subject, a reference naming a record.

A keyed form (`form.key`, e.g. the AE number of the adverse event log) holds
each key once per subject: a second record with it, created or corrected, is
refused as DuplicateKey (409) naming the item. A reference item
(`item.refers_to`, e.g. the DLT assessment's AE number) must name the key of
an existing record of that form of the same subject; any other value, also
the key of another subject's record, is refused as a missing one
(ValidationFailed, 422). A key other records refer to is not renumbered,
nor is its record withdrawn (KeyReferenced, 409). Only records that count
hold keys and are referred to (`store.records_holding`): a withdrawn
record's key is free again, and a reference naming it is refused. Concurrent writers queue on the keyed form's record
counters (`store.take_seq`, `store.lock_counters`): keyed forms are log forms
(check_links), so the subject's counter row of the form is one row.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection

from edc.app.kernel.errors import DuplicateKey, KeyReferenced, ValidationFailed
from edc.app.records import store
from edc.capture.payload import ItemError
from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Form

Links = dict[str, store.HoldingRecord | None]
"""Each reference item's record (None when the value names none, e.g. a record stored before the check)."""


def ensure_key_free(conn: Connection, study: StudyDefinition, form: Form, subject_id: int,
                    values: Mapping[str, object], *, record_id: int | None = None) -> None:
    """DuplicateKey when another record of the subject has this record's key.

    The caller holds the form's counter (a create took its seq, a correction called `lock_counters`),
    so of two writers of one key the second waits and then sees the first.
    """
    key = form.key
    if key is None or values.get(key) is None:
        return
    holders = [r for r in store.records_holding(conn, store.table_of(study, form.id), form_id=form.id,
                                                subject_id=subject_id, item=key, value=values[key])
               if r.record_id != record_id]
    if holders:
        label = _label(form, key)
        raise DuplicateKey(f"record {holders[0].seq} of '{form.id}' of this subject already has {label} "
                           f"{values[key]}", [ItemError(key, f"{label} already used by record {holders[0].seq}",
                                                        values[key])])


def check_correction(conn: Connection, study: StudyDefinition, form: Form, subject_id: int, *,
                     record_id: int, old: Mapping[str, object], new: Mapping[str, object]) -> Links:
    """Keys and references of a correction: a changed key free and unreferenced, changed references resolved."""
    key = form.key
    if key is not None and old.get(key) != new.get(key):
        store.lock_counters(conn, subject_id, form.id)
        ensure_key_free(conn, study, form, subject_id, new, record_id=record_id)
        _ensure_unreferenced(conn, study, form, subject_id, old[key], "correct those first")
    changed = {item.name for item in form.items if old.get(item.name) != new.get(item.name)}
    return resolved(conn, study, form, subject_id, new, check=changed)


def ensure_withdrawable(conn: Connection, study: StudyDefinition, form: Form, subject_id: int,
                        record_id: int) -> None:
    """KeyReferenced when records that count refer to the key of the record to withdraw."""
    key = form.key
    if key is None:
        return
    store.lock_counters(conn, subject_id, form.id)  # a referring create in flight commits first, then is seen
    value = store.read_values(conn, store.table_of(study, form.id), record_id).get(key)
    if value is not None:
        _ensure_unreferenced(conn, study, form, subject_id, value, "withdraw or correct those first")


def resolved(conn: Connection, study: StudyDefinition, form: Form, subject_id: int,
             values: Mapping[str, object], *, check: set[str] | None = None) -> Links:
    """The record each reference item with a value names; ValidationFailed for one of `check` that names none.

    `check` None checks every reference (a new record); a checked reference locks its form's counters
    first, so the key it names cannot be renumbered before this transaction ends.
    """
    links: Links = {}
    errors = []
    for item in form.items:
        value = values.get(item.name)
        if item.refers_to is None or value is None:
            continue
        target = study.forms[item.refers_to]
        checked = check is None or item.name in check
        if checked:
            store.lock_counters(conn, subject_id, target.id)
        holders = store.records_holding(conn, store.table_of(study, target.id), form_id=target.id,
                                        subject_id=subject_id, item=str(target.key), value=value)
        links[item.name] = holders[0] if holders else None
        if checked and not holders:
            errors.append(ItemError(item.name, f"no {target.title.lower()} record of this subject has "
                                    f"{_label(target, str(target.key))} {value}", value))
    if errors:
        raise ValidationFailed(errors)
    return links


def _ensure_unreferenced(conn: Connection, study: StudyDefinition, form: Form, subject_id: int,
                         key_value: object, then: str) -> None:
    """KeyReferenced when a record of the subject refers to `key_value` of `form`.

    Referring creates lock the form's counters before they check (`resolved`), as the caller has.
    """
    referring = [f"{other.id} record {holder.seq}"
                 for other in study.forms.values() for item in other.items if item.refers_to == form.id
                 for holder in store.records_holding(conn, store.table_of(study, other.id), form_id=other.id,
                                                     subject_id=subject_id, item=item.name, value=key_value)]
    if referring:
        key = str(form.key)
        raise KeyReferenced(f"{_label(form, key)} {key_value} is referred to by {', '.join(referring)}; "
                            f"{then}", [ItemError(key, f"referred to by {', '.join(referring)}",
                                                              key_value)])


def _label(form: Form, name: str) -> str:
    item = form.item(name)
    return item.label if item is not None else name
