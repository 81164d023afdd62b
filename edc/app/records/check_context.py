"""The check context of a record: the subject's dates and the visit's, read in one statement for its edit checks.

Edit checks may read `subject.*`, `visit.*` and `today` (declared, with their
types, in `edc.definitions.celenv.CHECK_CONTEXT`). The subject's dates come
from its row (screening, enrolment), from its visits (the latest date a visit
took place) and from the standard library forms that record them (consent,
leukapheresis, lymphodepletion, infusion), each a scalar subquery of one
SELECT, so a submission costs one statement more, and none when its form's
checks read no context. A date not recorded yet is null: the checks reading
it are undecidable; a withdrawn record (entered in error) records none. What
is read is what is stored: a record being corrected sees its own stored
values among the subject's, so a form's checks compare its own items, not the
context its record feeds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Connection, Executable, bindparam, func, select

from edc.app.kernel.clock import latest_calendar_date
from edc.app.records.store import COUNTING, table_of
from edc.db.core import FormRecord, Subject, Visit
from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Form
from edc.definitions.vocabulary import CONSENT_FORM, INFUSION_FORM, LEUKAPHERESIS_FORM, LYMPHODEPLETION_FORM
from edc.rules.checks import reads_context

#: subject.<field> <- the first or last date of an item of a library form, over the subject's records.
FORM_DATES: Mapping[str, tuple[str, str, Callable[..., Any]]] = {
    "consent_date": (CONSENT_FORM, "icdat", func.min),
    "leukapheresis_date": (LEUKAPHERESIS_FORM, "lkdat", func.min),
    "lymphodepletion_start": (LYMPHODEPLETION_FORM, "exdat", func.min),
    "lymphodepletion_end": (LYMPHODEPLETION_FORM, "exdat", func.max),
    "infusion_date": (INFUSION_FORM, "exdat", func.min),
}


def check_context(conn: Connection, study: StudyDefinition, form: Form, *, subject_id: int, visit_id: int,
                  now: datetime) -> dict[str, object] | None:
    """The context `form`'s checks read at the visit; None (and no statement) when they read none."""
    if not reads_context(form, study.codelists):
        return None
    row = conn.execute(_statement(study), {"subject_id": subject_id, "visit_id": visit_id}).one()._mapping
    read = dict(row)
    subject = {field: read.get(field) for field in ("screened_on", "enrolled_on", "last_visit_date", *FORM_DATES)}
    return {"subject": subject, "visit": _visit(study, read), "today": latest_calendar_date(now)}


_STATEMENTS: dict[tuple[str, tuple[str, ...]], Executable] = {}


def _statement(study: StudyDefinition) -> Executable:
    """The context's SELECT for `study`, with the subject and visit as bound parameters: built once per study
    and content of the forms it reads (building it was a tenth of a submission's time; it depends on no request)."""
    sources = tuple(f"{form_id}:{study.form_hash(form_id)}" for form_id, _, _ in FORM_DATES.values()
                    if form_id in study.forms)
    key = (study.id, sources)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = _build(study)
    return statement


def _build(study: StudyDefinition) -> Executable:
    subject_id, visit_id = bindparam("subject_id", type_=BigInteger), bindparam("visit_id", type_=BigInteger)
    last_visit = select(func.max(Visit.visit_date)).where(Visit.subject_id == subject_id).scalar_subquery()
    columns = [Subject.screened_on, Subject.enrolled_on, Visit.visit_code, Visit.planned_date, Visit.visit_date,
               last_visit.label("last_visit_date")]
    for field, (form_id, item, first_or_last) in FORM_DATES.items():
        source = study.forms.get(form_id)
        found = source.item(item) if source is not None else None
        if found is None or found.type != "date":  # a trial without the form (or the date) never has it
            continue
        column = table_of(study, form_id).c[item]
        columns.append(select(first_or_last(column)).join(FormRecord, FormRecord.id == column.table.c.record_id)
                       .where(FormRecord.subject_id == subject_id, COUNTING).scalar_subquery().label(field))
    return (select(*columns).join(Visit, Visit.subject_id == Subject.id)
            .where(Subject.id == subject_id, Visit.id == visit_id))


def _visit(study: StudyDefinition, row: Mapping[str, Any]) -> dict[str, object]:
    """The visit's code and dates, with its window where the schedule gives one and it is planned."""
    planned: date | None = row["planned_date"]
    scheduled = study.visit(str(row["visit_code"]))
    start = end = None
    if scheduled is not None and planned is not None:
        start = planned - timedelta(days=scheduled.window.before)
        end = planned + timedelta(days=scheduled.window.after)
    return {"code": row["visit_code"], "date": row["visit_date"], "planned_date": planned,
            "window_start": start, "window_end": end}
