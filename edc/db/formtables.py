"""One typed table per form, generated from its definition.

Each row is one form record (`record_id` is the `form_records` key); a
repeating form simply has several records. Columns follow the item types;
CHECK constraints carry what the YAML implies (codelist membership, hard
ranges, partial-date shape). Items are nullable in the database: whether an
item is required depends on skip logic and on the definition version the
record was captured under, so the service enforces it, not a NOT NULL that a
new item could never satisfy for records already stored. An item entered in
other units than its own has two more columns, keeping it as entered
(`edc.definitions.conversions`).

A CHECK's name ends with a hash of its SQL, so a changed range or codelist
changes the name, and the migration comparator sees it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
)
from sqlalchemy.types import TypeEngine

from edc.definitions.catalog import StudyDefinition
from edc.definitions.conversions import entry_units, is_converted, original_columns, original_precision
from edc.definitions.model import Form, Item

CODE_LENGTH = 40  # the longest code a codelist may hold (see model.Code)
NUMERIC_DIGITS = 18


def form_table_name(study_id: str, form_id: str) -> str:
    return f"crf_{study_id}_{form_id}"


def column_type(item: Item) -> TypeEngine[Any]:
    kinds: dict[str, TypeEngine[Any]] = {
        "integer": Integer(),
        "text": String(item.max_length or 1),
        "date": Date(),
        "partial_date": String(10),
        "datetime": DateTime(timezone=True),
        "time": String(5),
        "boolean": Boolean(),
        "choice": String(CODE_LENGTH),
        "multichoice": JSON(),
    }
    if item.type == "decimal":
        return Numeric(NUMERIC_DIGITS, item.precision or 0)
    return kinds[item.type]


def form_table(metadata: MetaData, study: StudyDefinition, form: Form) -> Table:
    table_name = form_table_name(study.id, form.id)
    columns: list[Column[Any] | CheckConstraint] = [
        Column("record_id", Integer, ForeignKey("form_records.id"), primary_key=True),
    ]
    for item in form.items:
        columns.append(Column(item.name, column_type(item), nullable=True))
        columns.extend(_checks(study, item))
        if is_converted(item):
            columns.extend(_as_entered(item))
    return Table(table_name, metadata, *columns)


def _as_entered(item: Item) -> list[Column[Any] | CheckConstraint]:
    """The columns keeping a converted item as entered: the value at the finest unit's scale, and the unit."""
    value, unit = original_columns(item)
    units = [entry.unit for entry in entry_units(item)]
    sql = f'"{unit}" IN ({", ".join(_quote(u) for u in units)})'
    return [Column(value, Numeric(NUMERIC_DIGITS, original_precision(item)), nullable=True),
            Column(unit, String(max(len(u) for u in units)), nullable=True),
            CheckConstraint(sql, name=f"{unit}_codes_{_digest(sql)}")]


def add_form_tables(metadata: MetaData, study: StudyDefinition) -> list[Table]:
    return [form_table(metadata, study, form) for form in study.forms.values()]


def _checks(study: StudyDefinition, item: Item) -> list[CheckConstraint]:
    column = f'"{item.name}"'
    rules: list[tuple[str, str]] = []
    if item.type == "choice" and item.codelist is not None and item.codelist in study.codelists:
        codes = ", ".join(_quote(code) for code in study.codelists[item.codelist].codes())
        rules.append(("codes", f"{column} IN ({codes})"))
    if item.range is not None:
        bounds = []
        if item.range.min is not None:
            bounds.append(f"{column} >= {_number(item.range.min)}")
        if item.range.max is not None:
            bounds.append(f"{column} <= {_number(item.range.max)}")
        if bounds:
            rules.append(("range", " AND ".join(bounds)))
    if item.type == "partial_date":
        rules.append(("shape", f"length({column}) IN (4, 7, 10)"))
    if item.type == "time":
        rules.append(("shape", f"length({column}) = 5"))
    return [CheckConstraint(sql, name=f"{item.name}_{kind}_{_digest(sql)}") for kind, sql in rules]


def _quote(code: str) -> str:
    return "'" + code.replace("'", "''") + "'"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _digest(sql: str) -> str:
    return hashlib.sha1(sql.encode()).hexdigest()[:6]
