"""Eligibility derivations (IE): the criterion not met, its text cut to 200 characters, its category and result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edc.definitions.model import Criterion
from edc.export.sdtm.derivations.context import MAX_TEST_TEXT, Derivation, RowContext
from edc.export.sdtm.subjectdata import plain


def _criterion(context: RowContext) -> Criterion:
    assert context.criterion is not None  # the loader allows these on criteria rows only
    return context.criterion


def criterion_test(text: str) -> str:
    """IETEST: the criterion's text, cut at a word to at most 200 characters with "..." when longer."""
    if len(text) <= MAX_TEST_TEXT:
        return text
    cut = text[: MAX_TEST_TEXT - 3].rsplit(" ", 1)[0].rstrip(" ,;:")
    return f"{cut}..."


def _criterion_result(context: RowContext, args: Mapping[str, Any]) -> object:
    """IEORRES of a criterion not met: N for an inclusion, Y for an exclusion (the condition is present)."""
    return "N" if _criterion(context).kind == "inclusion" else "Y"


def _eligibility_date(context: RowContext, args: Mapping[str, Any]) -> object:
    visit_code = context.study.spec.eligibility.visit
    found = next((v for v in context.subject.visits if v.visit == visit_code and v.visit_date), None)
    return plain(found.visit_date) if found is not None else None


CRITERIA: dict[str, Derivation] = {
    "criterion_id": lambda c, a: _criterion(c).id,
    "criterion_text": lambda c, a: criterion_test(_criterion(c).text),
    "criterion_category": lambda c, a: _criterion(c).kind.upper(),
    "criterion_result": _criterion_result,
    "eligibility_date": _eligibility_date,
}
