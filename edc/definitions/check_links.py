"""Checks of keys and references between a study's forms: what a log form's key and a referring item need.

A key (`form.key`) is an item unique per subject among the form's records,
such as the AE number. The records service keeps it unique by taking the
form's record counter at the subject's log visit, so a keyed form must be a
repeating form collected only on the logs: at a scheduled visit its records
would be counted, and locked, per visit. A reference (`item.refers_to`)
holds the key of a record of another form of the same subject, so it has the
key's type and is entered, never calculated.
"""

from __future__ import annotations

from collections.abc import Mapping

from edc.definitions.model import Form, Item, StudyFile
from edc.definitions.problems import Problems
from edc.definitions.sources import Located, report

KEY_TYPES = frozenset({"text", "integer"})


def check_links(spec: StudyFile, forms: Mapping[str, tuple[Form, Located]], problems: Problems) -> None:
    """Report every key and reference of the study's forms that the records service could not keep."""
    logs = set(spec.schedule.logs.forms) if spec.schedule.logs is not None else set()
    elsewhere = {f for visit in spec.schedule.visits for f in visit.forms}
    if spec.schedule.unscheduled is not None:
        elsewhere |= set(spec.schedule.unscheduled.forms)
    for form, where in forms.values():
        if form.key is not None:
            _check_key(form, where, form.id in logs and form.id not in elsewhere, problems)
        for i, item in enumerate(form.items):
            if item.refers_to is not None:
                _check_reference(item, forms, where.child("items", i), problems)


def _check_key(form: Form, where: Located, log_only: bool, problems: Problems) -> None:
    key = form.item(form.key) if form.key is not None else None
    if key is None:
        report(problems, where, f"key of form '{form.id}' names unknown item '{form.key}'", "key")
        return
    if not form.repeating:
        report(problems, where, f"form '{form.id}' has a key but is not repeating", "key")
    if not log_only:
        report(problems, where, f"keyed form '{form.id}' must be collected on the logs only (schedule.logs), "
               "where the subject's records of it are counted together", "key")
    if key.type not in KEY_TYPES or key.is_calculated or not key.required or key.when is not None:
        report(problems, where, f"key '{key.name}' of form '{form.id}' must be a required text or integer item "
               "without skip logic, entered by the site", "key")


def _check_reference(item: Item, forms: Mapping[str, tuple[Form, Located]], at: Located,
                     problems: Problems) -> None:
    found = forms.get(str(item.refers_to))
    if found is None:
        report(problems, at, f"'{item.name}' refers to form '{item.refers_to}', which the study does not collect",
               "refers_to")
        return
    target = found[0]
    key = target.item(target.key) if target.key is not None else None
    if key is None:
        report(problems, at, f"'{item.name}' refers to form '{target.id}', which declares no key", "refers_to")
    elif item.type != key.type or (item.max_length or 0) > (key.max_length or 0):
        report(problems, at, f"'{item.name}' ({item.type}) cannot hold the key '{key.name}' ({key.type}"
               f"{f', max_length {key.max_length}' if key.max_length else ''}) of form '{target.id}'", "refers_to")
    if item.is_calculated:
        report(problems, at, f"reference '{item.name}' is calculated; a reference is entered", "refers_to")
