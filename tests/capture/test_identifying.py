"""Identifying items are captured no finer than their declared precision: a date of birth is year and month."""

from __future__ import annotations

import pytest

from edc.capture.payload import parse_payload
from edc.definitions.catalog import Catalog
from edc.definitions.model import Form, Identifying, Item


def _form(precision: str) -> Form:
    return Form(id="dm", title="Demographics", items=(
        Item(name="brthdat", label="Date of birth", type="partial_date",
             identifying=Identifying(precision=precision)),  # type: ignore[arg-type]
    ))


@pytest.mark.parametrize(("precision", "value", "refused"), [
    ("month", "1985", False), ("month", "1985-06", False), ("month", "1985-06-12", True),
    ("year", "1985", False), ("year", "1985-06", True), ("year", "1985-06-12", True),
])
def test_an_identifier_finer_than_its_precision_is_refused(precision: str, value: str, refused: bool) -> None:
    parsed = parse_payload(_form(precision), {}, {"brthdat": value})
    if not refused:
        assert parsed.ok and parsed.values["brthdat"] == value
        return
    assert [e.item for e in parsed.errors] == ["brthdat"]
    assert "too precise for an identifier" in parsed.errors[0].message


def test_every_trial_keeps_the_date_of_birth_to_the_month(catalog: Catalog) -> None:
    for study in catalog.studies.values():
        item = study.forms["demographics"].item("brthdat")
        assert item is not None and item.identifying == Identifying(precision="month")
        parsed = parse_payload(study.forms["demographics"], study.codelists, {"brthdat": "1985-06-12"})
        assert "brthdat" in [e.item for e in parsed.errors]
