"""What a derivation reads: the `RowContext` of one row (study, subject, row block, record, values so far)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Criterion, Item
from edc.definitions.sdtm.model import RowBlock
from edc.definitions.sdtm.terminology import Terminology
from edc.export.sdtm.subjectdata import CapturedRecord, SubjectData, VisitData, plain

Row = dict[str, object]
UNSCHEDULED_VISITNUM = 900
"""VISITNUM of unscheduled visit n is 900 + n: after every scheduled visit, one number per VISIT."""
MAX_TEST_TEXT = 200


@dataclass(frozen=True)
class RowContext:
    """Everything one row's values may be computed from."""

    study: StudyDefinition
    subject: SubjectData
    block: RowBlock
    record: CapturedRecord | None
    values: Row
    dataset: str = ""
    terminology: Terminology | None = None
    reference_start: str | None = None
    seq: int | None = None
    test: Item | None = None
    visit: VisitData | None = None
    criterion: Criterion | None = None
    joined: tuple[str, CapturedRecord | None] | None = None
    join_key: object = None

    @property
    def row_form(self) -> str | None:
        return self.block.form

    def item(self, ref: str) -> object:
        """The value of `form.item` for this row: its own record, the joined one, or the subject's form."""
        form_id, _, name = ref.partition(".")
        return self.item_at(form_id=form_id, name=name)

    def item_at(self, *, form_id: str, name: str) -> object:
        """`item` with the reference already split."""
        if form_id == self.row_form and self.record is not None:
            return plain(self.record.values.get(name))
        if self.joined is not None and self.joined[0] == form_id:
            return plain(self.joined[1].values.get(name)) if self.joined[1] is not None else None
        record = self.subject.first(form_id)
        return plain(record.values.get(name)) if record is not None else None


Derivation = Callable[[RowContext, Mapping[str, Any]], object]
Evaluator = Callable[[RowContext], object]
"""One variable's value for a row: a source compiled for a dataset's row block."""
Preparer = Callable[[StudyDefinition, RowBlock, Mapping[str, Any]], Evaluator]
"""A derivation compiled for one row block: what does not depend on the row (the annotated items of the block's
form, the schedule by day) looked up once, not per row."""
