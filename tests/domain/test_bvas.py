"""BVAS v3 against the published instrument (Mukhtyar 2009), and the MMT-8 and MDAAT totals of the library forms."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from edc.definitions.catalog import Catalog
from edc.definitions.functions import BVAS_SYSTEMS
from edc.domain.bvas import (
    BVAS_MAX_NEW_WORSE,
    BVAS_MAX_PERSISTENT,
    BVAS_SYSTEM_MAX,
    BVAS_WEIGHTS,
    bvas_v3_system,
    bvas_v3_systems,
    bvas_v3_total,
)
from edc.rules.calculate import calculate

ITEMS = [name for items in BVAS_SYSTEMS.values() for name in items]


def record(*ticked: str, persistent: bool = False, first: bool = True) -> dict[str, object]:
    """A BVAS record: the named items ticked, every other item not."""
    unknown = set(ticked) - set(ITEMS)
    assert not unknown, unknown
    return {**{name: name in ticked for name in ITEMS}, "bvas_persistent": persistent, "bvas_first": first}


def test_the_published_structure() -> None:
    """56 items in nine systems; the system maxima add up to the published 33 persistent and 63 new/worse."""
    assert len(ITEMS) == 56 and set(ITEMS) == set(BVAS_WEIGHTS)
    assert [len(items) for items in BVAS_SYSTEMS.values()] == [4, 5, 10, 5, 7, 6, 3, 7, 9]
    assert sum(p for p, _ in BVAS_SYSTEM_MAX.values()) == BVAS_MAX_PERSISTENT == 33
    assert sum(n for _, n in BVAS_SYSTEM_MAX.values()) == BVAS_MAX_NEW_WORSE == 63
    never_persistent = sorted(name for name, w in BVAS_WEIGHTS.items() if w.persistent is None)
    assert never_persistent == ["creatinine_rise", "nodules_cavities", "sudden_visual_loss"]


def test_new_or_worse_weights_summed_per_system_and_capped() -> None:
    # renal: haematuria 6 + proteinuria 4 = 10 (max 12); general: fever 2 + weight loss 2 + myalgia 1 = 5 -> 3
    values = record("haematuria", "proteinuria", "fever", "weight_loss", "myalgia")
    assert bvas_v3_system(values, system="renal") == 10
    assert bvas_v3_system(values, system="general") == 3
    assert bvas_v3_total(values) == 13
    assert bvas_v3_total(record()) == 0


def test_persistent_disease_scores_the_persistent_weights() -> None:
    values = record("haematuria", "proteinuria", "fever", "weight_loss", "myalgia", persistent=True)
    # renal 3 + 2 = 5 (max 6); general 2 + 2 + 1 = 5 -> 2
    assert bvas_v3_systems(values) == {**dict.fromkeys(BVAS_SYSTEMS, 0), "renal": 5, "general": 2}
    assert bvas_v3_total(values) == 7


def test_every_item_ticked_scores_the_maxima() -> None:
    assert bvas_v3_total(record(*ITEMS)) == 63
    persistent = [name for name in ITEMS if BVAS_WEIGHTS[name].persistent is not None]
    assert bvas_v3_total(record(*persistent, persistent=True)) == 33


def test_an_item_that_is_never_persistent_cannot_be_persistent_disease() -> None:
    with pytest.raises(ValueError, match="sudden_visual_loss is always new or worse"):
        bvas_v3_total(record("sudden_visual_loss", persistent=True))
    assert bvas_v3_total(record("sudden_visual_loss")) == 6


def test_the_creatinine_bands_count_at_the_first_assessment_only() -> None:
    assert bvas_v3_system(record("creatinine_250_499"), system="renal") == 6
    later = {**record(), "creatinine_125_249": None, "creatinine_250_499": None, "creatinine_500": None}
    assert bvas_v3_total({**later, "bvas_first": False}) == 0  # not asked later: skipped, not missing
    assert bvas_v3_total({**record(), "creatinine_500": None}) is None  # asked at the first: missing


def test_a_missing_item_or_flag_gives_no_score() -> None:
    assert bvas_v3_total({**record("fever"), "wheeze": None}) is None
    assert bvas_v3_total({**record("fever"), "bvas_persistent": None}) is None
    with pytest.raises(ValueError, match="unknown BVAS organ system"):
        bvas_v3_system(record(), system="skin")


def _calculated(catalog: Catalog, form_id: str, values: Mapping[str, object]) -> dict[str, object]:
    study = catalog.study("cnct19")
    return calculate(study.forms[form_id], study.codelists, values)


def test_the_library_forms_calculate_their_totals(catalog: Catalog) -> None:
    bvas = _calculated(catalog, "bvas", record("haematuria", "pulmonary_infiltrate", "sinus_involvement"))
    assert (bvas["bvas_renal"], bvas["bvas_chest"], bvas["bvas_ent"], bvas["bvas_total"]) == (6, 4, 2, 12)
    grades = {"neck_flexors": 7, "deltoid_middle": 6, "biceps_brachii": 8, "wrist_extensors": 10,
              "gluteus_maximus": 6, "gluteus_medius": 7, "quadriceps": 8, "ankle_dorsiflexors": 10}
    assert _calculated(catalog, "mmt8", {**grades, "mmt8_left": False})["mmt8_total"] == 62
    vas = {"myoact_constitutional": 3.0, "myoact_cutaneous": 5.5, "myoact_skeletal": 2.0,
           "myoact_gastrointestinal": 1.0, "myoact_pulmonary": 6.0, "myoact_cardiac": 0.0, "myoact_muscle": 4.5}
    assert _calculated(catalog, "mdaat", {**vas, "extramuscular_global": 6.0})["myoact_total"] == pytest.approx(22.0)
