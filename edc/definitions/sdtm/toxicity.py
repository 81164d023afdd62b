"""Laboratory toxicity grading criteria: `exports/terminology/ctcae_lab.yaml`, loaded and checked.

Per Findings domain, the scale (NCI CTCAE v5.0) and one criterion per test
code: the CTCAE term the grade is of (--TOX), its direction (a result below
the bounds of a `decreased` term, above those of an `increased` one), the
specimen and the unit its absolute bounds are in (the test's standard unit,
--STRESU), and per grade the bound a result must pass to reach that grade:
an absolute value, or a multiple of the laboratory's lower (`lln`, decreased
terms) or upper (`uln`, increased terms) limit of normal, with the CTCAE
wording it was read from. The grading itself is
`edc.export.sdtm.derivations.toxicity.toxicity_grade`.

Every problem is reported at its file and line, as the other definition
files' are; a test code must be one the terminology file lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import Field, model_validator

from edc.definitions.model import Strict, Text
from edc.definitions.problems import Problems
from edc.definitions.sources import Located, Within, per_domain, report, validate

GRADING_FILE = Path("terminology") / "ctcae_lab.yaml"
"""Where the file lives, relative to the exports folder."""
MAX_LAB_GRADE = 4
"""Grade 5 is death: no laboratory value defines it."""


class Bound(Strict):
    """The bound of one grade: exactly one of an absolute value (in the criterion's unit) or a multiple of
    the lower or upper limit of normal; `ctcae` is the published wording of the grade."""

    value: float | None = Field(default=None, gt=0)
    lln: float | None = Field(default=None, gt=0)
    uln: float | None = Field(default=None, gt=0)
    ctcae: Text

    @model_validator(mode="after")
    def _one_bound(self) -> Bound:
        given = [key for key in ("value", "lln", "uln") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'value', 'lln' or 'uln' (a multiple of that limit)")
        return self

    @property
    def limit(self) -> Literal["lln", "uln"] | None:
        """The limit of normal this bound is a multiple of, or None for an absolute value."""
        return "lln" if self.lln is not None else "uln" if self.uln is not None else None

    @property
    def number(self) -> Decimal:
        """The value, or the multiple of the limit, as an exact decimal (the YAML's digits)."""
        number = self.value if self.value is not None else self.lln if self.lln is not None else self.uln
        assert number is not None  # _one_bound
        return Decimal(repr(number))


class Criterion(Strict):
    """How one test is graded: the term, its direction and unit, and one bound per grade from 1."""

    testcd: Text = Field(max_length=8, pattern=r"^[A-Z][A-Z0-9]*$")
    term: Text
    direction: Literal["decreased", "increased"]
    specimen: Text
    unit: Text
    grades: dict[int, Bound] = Field(min_length=1)
    note: Text | None = None

    @cached_property
    def limits(self) -> frozenset[str]:
        """The limits of normal the bounds are multiples of: a result cannot be graded without them (computed
        once: the export asks for every graded row)."""
        return frozenset(bound.limit for bound in self.grades.values() if bound.limit is not None)

    @property
    def normal_limit(self) -> Literal["lln", "uln"]:
        """The limit a result within the normal range is on the right side of: LLN for a decreased term."""
        return "lln" if self.direction == "decreased" else "uln"


class DomainCriteria(Strict):
    """One domain's entry; each of its tests is validated on its own, so every broken one is reported."""

    scale: Text
    tests: tuple[dict[str, Any], ...] = Field(min_length=1)


@dataclass(frozen=True)
class Grading:
    """Per domain, the scale and the criterion of each graded test code."""

    scales: Mapping[str, str]
    criteria: Mapping[str, Mapping[str, Criterion]]

    def criterion(self, domain: str, testcd: str) -> Criterion | None:
        return self.criteria.get(domain, {}).get(testcd)


NO_GRADING = Grading(MappingProxyType({}), MappingProxyType({}))


def load_grading(exports_root: Path, tests: Mapping[str, Mapping[str, object]], problems: Problems) -> Grading:
    """The grading file under `exports_root`, or NO_GRADING when there is none; its test codes are checked
    against `tests` (domain -> test code -> term, from the terminology file)."""
    file = exports_root / GRADING_FILE
    if not file.exists():
        return NO_GRADING
    found = per_domain(file, DomainCriteria, "{scale, tests}", problems)
    if found is None:
        return NO_GRADING
    where, entries = found
    scales = {domain: parsed.scale for domain, parsed in entries.items()}
    criteria = {domain: _by_code(domain, parsed, where, tests, problems) for domain, parsed in entries.items()}
    return Grading(MappingProxyType(scales), MappingProxyType(criteria))


def _by_code(domain: str, parsed: DomainCriteria, where: Located, tests: Mapping[str, Mapping[str, object]],
             problems: Problems) -> Mapping[str, Criterion]:
    found: dict[str, Criterion] = {}
    for index, data in enumerate(parsed.tests):
        at = where.child(domain, "tests", index)
        criterion = validate(Criterion, data, Within(where.locator, at.path), problems)
        if criterion is None:
            continue
        if criterion.testcd in found:
            report(problems, at, f"test code '{criterion.testcd}' is graded twice", "testcd")
        if criterion.testcd not in tests.get(domain, {}):
            report(problems, at, f"test code '{criterion.testcd}' is not a {domain} test of the terminology file",
                   "testcd")
        _check_grades(criterion, at, problems)
        found[criterion.testcd] = criterion
    return MappingProxyType(found)


def _check_grades(criterion: Criterion, at: Located, problems: Problems) -> None:
    """Grades 1, 2, ... without gaps up to 4; limits on the term's side; each grade's bound further from normal
    than the lower grade's bound of the same kind (a decreased term's bounds fall, an increased term's rise)."""
    grades = sorted(criterion.grades)
    if grades != list(range(1, len(grades) + 1)) or grades[-1] > MAX_LAB_GRADE:
        report(problems, at, f"grades must run 1, 2, ... up to at most {MAX_LAB_GRADE}, not {grades}", "grades")
        return
    wrong = "uln" if criterion.direction == "decreased" else "lln"
    last: dict[str | None, Decimal] = {}
    for grade in grades:
        bound = criterion.grades[grade]
        if bound.limit == wrong:
            report(problems, at, f"grade {grade}: the bound of a term {criterion.direction} is a value or a "
                   f"multiple of the {criterion.normal_limit.upper()}, not of the {wrong.upper()}", "grades", grade)
        previous = last.get(bound.limit)
        if previous is not None and (bound.number >= previous if criterion.direction == "decreased"
                                     else bound.number <= previous):
            side = "below" if criterion.direction == "decreased" else "above"
            report(problems, at, f"grade {grade}: the bound must be {side} the bound of the grade before it "
                   f"({previous})", "grades", grade)
        last[bound.limit] = bound.number
