"""The infusion record against the assigned dose level: the level recorded, the planned dose, the tolerance;
the stagger of a level's first two infusions."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from edc.definitions.loader import load_catalog
from edc.definitions.model import DoseLevel
from edc.domain.dosing import TooClose, infusion_findings, planned_million_cells, too_close

FORMS = Path(__file__).resolve().parents[2] / "forms"


@cache
def levels(study_id: str) -> dict[str, DoseLevel]:
    return {level.id: level for level in load_catalog(FORMS).study(study_id).spec.dose_levels}


def checks(study_id: str, assigned: str | None, **values: Any) -> list[str]:
    record = {"dose_level": "DL1", "weight_kg": 60.0, "dose_planned": None, "cells_infused": None} | values
    return [f.check_id for f in infusion_findings(levels(study_id), assigned, record)]


@pytest.mark.parametrize(("study_id", "level_id", "weight", "planned"), [
    ("ic19", "DL1", 60.0, 100.0),  # 1 x 10^8 cells
    ("ic19", "DL2", None, 200.0),  # a fixed dose needs no weight
    ("relmacel", "DLB", 80.0, 15.0),  # 15 x 10^6 cells
    ("rd0604", "DL2", 60.0, 30.0),  # 5 x 10^5 cells/kg x 60 kg
    ("cnct19", "DL1", 72.5, 72.5),  # 1 x 10^6 cells/kg x 72.5 kg
    ("rd0604", "DL1", None, None),  # per kg without a weight: cannot be planned
])
def test_planned_dose_in_million_cells(study_id: str, level_id: str, weight: float | None,
                                       planned: float | None) -> None:
    assert planned_million_cells(levels(study_id)[level_id], weight) == pytest.approx(planned)


@pytest.mark.parametrize(("infused", "found"), [
    (100.0, []), (70.0, []), (130.0, []),  # IC19's +/-30 %, bounds included
    (69.99, ["dose_within_level_tolerance"]), (130.01, ["dose_within_level_tolerance"]),
])
def test_ic19_tolerance_around_the_level_dose(infused: float, found: list[str]) -> None:
    assert checks("ic19", "DL1", dose_planned=100.0, cells_infused=infused) == found


def test_levels_without_tolerance_are_not_checked_for_it() -> None:
    assert checks("relmacel", "DL1", dose_planned=25.0, cells_infused=5.0) == []


@pytest.mark.parametrize(("planned", "found"), [
    (6.0, []), (6.06, []), (5.94, []), (6.07, ["dose_planned_per_level"]), (5.9, ["dose_planned_per_level"]),
])
def test_planned_dose_within_one_percent_of_the_level(planned: float, found: list[str]) -> None:
    assert checks("rd0604", "DL1", dose_planned=planned) == found  # 1 x 10^5 cells/kg x 60 kg = 6 x 10^6


def test_the_level_recorded_must_be_the_level_assigned() -> None:
    assert checks("ic19", "DL2", dose_planned=100.0) == ["dose_level_assigned"]
    assert checks("ic19", None) == ["dose_level_assigned"]
    assert checks("ic19", "DL1", dose_level="DL1") == []


A, B = ("01-001", date(2026, 1, 20)), ("01-002", date(2026, 2, 3))


@pytest.mark.parametrize(("others", "on", "expected"), [
    ([], date(2026, 1, 20), None),  # the first subject
    ([A], date(2026, 2, 2), TooClose("01-001", date(2026, 1, 20), 13)),  # the second, a day too early
    ([A], date(2026, 2, 3), None),  # the second, 14 days after the first
    ([A], date(2026, 1, 10), TooClose("01-001", date(2026, 1, 20), 10)),  # a new first, close to the old one
    ([A, B], date(2026, 2, 4), None),  # the third, one day after the second: not staggered
    ([B, A], date(2026, 1, 25), TooClose("01-001", date(2026, 1, 20), 5)),  # between the two: now the second
])
def test_only_the_first_two_first_infusions_of_a_level_are_staggered(
        others: list[tuple[str, date]], on: date, expected: TooClose | None) -> None:
    assert too_close(14, others, on) == expected
    assert too_close(None, others, on) is None  # a design without a minimum staggers nothing
