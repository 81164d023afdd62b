"""BILAG-2004 numeric score, A/B counts and the RD06-04 "one A or two B" test."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edc.definitions.functions import BILAG_SYSTEMS
from edc.domain.bilag import (
    bilag_2004_count_a,
    bilag_2004_count_b,
    bilag_2004_numeric,
    bilag_grades,
    bilag_meets_a_or_2b,
)

SYSTEMS = ("constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
           "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological")


def graded(default: str = "E", **grades: str) -> dict[str, object]:
    return {system: grades.get(system, default) for system in SYSTEMS}


def test_nine_systems() -> None:
    assert BILAG_SYSTEMS == SYSTEMS


def test_system_names_match_the_definition_signatures() -> None:
    from edc.definitions import functions
    assert tuple(functions.BILAG_SYSTEMS) == BILAG_SYSTEMS


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize(("grade", "points"), [("A", 12), ("B", 8), ("C", 1), ("D", 0), ("E", 0)])
def test_each_grade_in_each_system(system: str, grade: str, points: int) -> None:
    record = graded(**{system: grade})
    assert bilag_2004_numeric(record) == points
    assert bilag_2004_count_a(record) == (1 if grade == "A" else 0)
    assert bilag_2004_count_b(record) == (1 if grade == "B" else 0)


@pytest.mark.parametrize(("grade", "total"), [("A", 108), ("B", 72), ("C", 9), ("D", 0), ("E", 0)])
def test_all_systems_at_one_grade(grade: str, total: int) -> None:
    assert bilag_2004_numeric(graded(grade)) == total


def test_mixed_record() -> None:
    # renal A 12 + mucocutaneous B 8 + musculoskeletal B 8 + haematological C 1 + constitutional D 0 = 29
    record = graded(renal="A", mucocutaneous="B", musculoskeletal="B", haematological="C", constitutional="D")
    assert bilag_2004_numeric(record) == 29
    assert bilag_2004_count_a(record) == 1
    assert bilag_2004_count_b(record) == 2


@pytest.mark.parametrize(
    ("grades", "meets"),
    [
        ({"renal": "A"}, True),
        ({"renal": "B", "mucocutaneous": "B"}, True),
        ({"renal": "B"}, False),
        ({"renal": "B", "mucocutaneous": "C", "haematological": "C"}, False),
        ({}, False),
        ({"renal": "A", "mucocutaneous": "B", "musculoskeletal": "B"}, True),
    ],
)
def test_meets_a_or_2b(grades: dict[str, str], meets: bool) -> None:
    assert bilag_meets_a_or_2b(graded(**grades)) is meets


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_missing_grade_gives_none(system: str) -> None:
    record = graded("A")
    record[system] = None
    for function in (bilag_2004_numeric, bilag_2004_count_a, bilag_2004_count_b, bilag_meets_a_or_2b, bilag_grades):
        assert function(record) is None
    del record[system]
    assert bilag_2004_numeric(record) is None


@pytest.mark.parametrize("bad", ["a", "F", "", 12, True])
def test_unknown_grade_is_an_error(bad: object) -> None:
    with pytest.raises(ValueError, match="renal"):
        bilag_2004_numeric(graded(renal=bad))  # type: ignore[arg-type]


records = st.fixed_dictionaries({system: st.sampled_from("ABCDE") for system in SYSTEMS})


@given(records)
def test_numeric_within_0_108_and_consistent_with_counts(record: dict[str, object]) -> None:
    numeric = bilag_2004_numeric(record)
    count_a = bilag_2004_count_a(record)
    count_b = bilag_2004_count_b(record)
    assert numeric is not None
    assert count_a is not None
    assert count_b is not None
    assert 0 <= numeric <= 108
    count_c = sum(1 for grade in record.values() if grade == "C")
    assert numeric == 12 * count_a + 8 * count_b + count_c
    assert bilag_meets_a_or_2b(record) is (count_a >= 1 or count_b >= 2)
