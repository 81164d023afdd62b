"""An intermediate dose level between two adjacent declared levels, against the four trials' definitions: where a
dose may be opened, the level it becomes, its place in the order, and the 3+3 engine judging it as its own cohort."""

from __future__ import annotations

import pytest

from edc.definitions.catalog import Catalog
from edc.definitions.model import Dose
from edc.domain.dosing import planned_million_cells
from edc.domain.escalation import Action, DltStatus, LevelCohort, Recommendation, recommend
from edc.domain.escalation.intermediate import (
    DoseNotBetween,
    dose_text,
    intermediate_level,
    interval_of,
    occupied,
    with_opened,
)

N, X = DltStatus.NO_DLT, DltStatus.DLT  # no DLT, DLT


def test_rd0604_a_dose_strictly_between_dl1_and_dl2_in_cells_per_kg(catalog: Catalog) -> None:
    levels = catalog.study("rd0604").spec.dose_levels
    lower, upper = interval_of(levels, Dose(value=2.5e5, unit="cells/kg"))
    assert (lower.id, upper.id) == ("DL1", "DL2")
    for value in (1e5, 5e5, 6e5, 5e4):  # the levels' own doses are not between them
        with pytest.raises(DoseNotBetween) as outside:
            interval_of(levels, Dose(value=value, unit="cells/kg"))
        assert outside.value.item == "dose.value"
        assert dose_text(Dose(value=value, unit="cells/kg")) in str(outside.value)
        assert "DL1-DL2 (1 x 10^5 cells/kg to 5 x 10^5 cells/kg)" in str(outside.value)
    with pytest.raises(DoseNotBetween) as unit:  # the same number of cells, not per kg
        interval_of(levels, Dose(value=2.5e5, unit="cells"))
    assert unit.value.item == "dose.unit" and "cells/kg" in str(unit.value)


def test_relmacel_intervals_run_in_the_design_order_from_the_backup_level(catalog: Catalog) -> None:
    levels = catalog.study("relmacel").spec.dose_levels
    pairs = {value: tuple(level.id for level in interval_of(levels, Dose(value=value, unit="10^6 cells")))
             for value in (20, 37.5, 120)}
    assert pairs == {20: ("DLB", "DL1"), 37.5: ("DL1", "DL2"), 120: ("DL3", "DL3A")}


def test_the_new_level_is_named_after_the_lower_one_and_placed_above_it(catalog: Catalog) -> None:
    rd = catalog.study("rd0604").spec.dose_levels
    lower, upper = interval_of(rd, Dose(value=2.5e5, unit="cells/kg"))
    opened = intermediate_level(lower, upper, Dose(value=2.5e5, unit="cells/kg"), [d.id for d in rd])
    level = opened.level
    assert (level.id, level.role, opened.lower, opened.upper) == ("DL1A", "intermediate", "DL1", "DL2")
    assert level.label == "2.5 x 10^5 cells/kg (intermediate, between DL1 and DL2)"
    assert planned_million_cells(level, 60.0) == pytest.approx(15.0)  # 2.5 x 10^5/kg x 60 kg
    merged = with_opened(rd, [opened])
    assert [(d.id, d.order) for d in merged] == [("DL1", 1), ("DL1A", 2), ("DL2", 3)]
    assert with_opened(rd, []) == rd  # nothing opened: the levels as declared
    assert occupied([opened], lower) == opened and occupied([opened], upper) is None
    # relmacel's DL3A exists already: between DL3 and DL3A the next letter is taken
    rel = catalog.study("relmacel").spec.dose_levels
    dl3, dl3a = interval_of(rel, Dose(value=120, unit="10^6 cells"))
    assert intermediate_level(dl3, dl3a, Dose(value=120, unit="10^6 cells"), [d.id for d in rel]).level.id == "DL3B"


def test_an_ic19_intermediate_level_keeps_the_tolerance_its_neighbours_share(catalog: Catalog) -> None:
    ic19 = catalog.study("ic19").spec.dose_levels
    lower, upper = interval_of(ic19, Dose(value=1.5e8, unit="cells"))
    level = intermediate_level(lower, upper, Dose(value=1.5e8, unit="cells"), ["DL1", "DL2"]).level
    assert (level.id, level.tolerance_pct, level.label) == (
        "DL1A", 30, "1.5 x 10^8 cells (intermediate, between DL1 and DL2)")


def test_the_3_plus_3_judges_the_opened_level_as_its_own_cohort(catalog: Catalog) -> None:
    study = catalog.study("rd0604")
    escalation = study.spec.escalation.model_copy(update={"max_subjects": None})
    lower, upper = interval_of(study.spec.dose_levels, Dose(value=2.5e5, unit="cells/kg"))
    levels = with_opened(study.spec.dose_levels, [intermediate_level(lower, upper, Dose(
        value=2.5e5, unit="cells/kg"), ["DL1", "DL2"])])

    def decide(**cohorts: list[DltStatus]) -> Recommendation:
        return recommend(levels, escalation, [LevelCohort.of(k, v) for k, v in cohorts.items()])

    # DL2 exceeded the MTD: the engine steps back to DL1 and names the opened level as the intermediate option
    rec = decide(DL1=[N, N, N], DL2=[X, N, X])
    assert (rec.action, rec.level) == (Action.STEP_BACK, "DL1")
    assert [(o.action, o.level) for o in rec.options] == [(Action.CONSIDER_INTERMEDIATE_DOSE, "DL1A")]
    # subjects at DL1A: its own cohort, filled to 3, expanded on 1 DLT, the MTD at <= 1 of 6
    rec = decide(DL1=[N, N, N], DL1A=[N], DL2=[X, N, X])
    assert (rec.action, rec.level, rec.slots) == (Action.ENROL, "DL1A", 2)
    rec = decide(DL1=[N, N, N], DL1A=[N, X, N], DL2=[X, N, X])
    assert (rec.action, rec.level, rec.slots) == (Action.EXPAND_COHORT, "DL1A", 3)
    rec = decide(DL1=[N, N, N], DL1A=[N, X, N, N, N, N], DL2=[X, N, X])
    assert (rec.action, rec.mtd) == (Action.OPEN_EXPANSION, "DL1A")
    # escalating through it: DL1 cleared, DL1A cleared -> DL2
    rec = decide(DL1=[N, N, N], DL1A=[N, N, N])
    assert (rec.action, rec.level) == (Action.ESCALATE, "DL2")
