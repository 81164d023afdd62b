"""BILAG-2004: nine organ systems graded A (severe activity) to E (never involved).

Numeric score A = 12, B = 8, C = 1, D = 0, E = 0 (global 0-108), the counts
of A and B grades, and the RD06-04 eligibility test "at least one A or at
least two B". Every function returns None when any of the nine grades is
missing: a score or count from an incomplete assessment would be wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from edc.definitions.functions import BILAG_SYSTEMS
from edc.domain._common import read_code

BILAG_NUMERIC: Mapping[str, int] = MappingProxyType({"A": 12, "B": 8, "C": 1, "D": 0, "E": 0})
BILAG_GRADES: tuple[str, ...] = tuple(BILAG_NUMERIC)
BILAG_NUMERIC_MAX = 108


def bilag_grades(record: Mapping[str, object]) -> tuple[str, ...] | None:
    """The nine grades in BILAG_SYSTEMS order; None when any is missing, ValueError for an unknown grade."""
    grades = [read_code(record, system, BILAG_GRADES) for system in BILAG_SYSTEMS]
    if any(grade is None for grade in grades):
        return None
    return tuple(grade for grade in grades if grade is not None)


def bilag_2004_numeric(record: Mapping[str, object]) -> int | None:
    """Global numeric BILAG-2004 score (0-108): A = 12, B = 8, C = 1, D = E = 0."""
    grades = bilag_grades(record)
    return None if grades is None else sum(BILAG_NUMERIC[grade] for grade in grades)


def bilag_2004_count_a(record: Mapping[str, object]) -> int | None:
    """Number of organ systems graded A."""
    grades = bilag_grades(record)
    return None if grades is None else grades.count("A")


def bilag_2004_count_b(record: Mapping[str, object]) -> int | None:
    """Number of organ systems graded B."""
    grades = bilag_grades(record)
    return None if grades is None else grades.count("B")


def bilag_meets_a_or_2b(record: Mapping[str, object]) -> bool | None:
    """True when at least one system is graded A or at least two are graded B (RD06-04 eligibility).

    None when any grade is missing, even if the recorded grades already meet
    the test: eligibility is decided on a complete assessment only.
    """
    grades = bilag_grades(record)
    if grades is None:
        return None
    return grades.count("A") >= 1 or grades.count("B") >= 2
