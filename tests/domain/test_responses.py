"""SRI-4, LLDAS and DORIS remission at their thresholds."""

from __future__ import annotations

from typing import Any

import pytest

from edc.domain.derived import prednisone_equivalent
from edc.domain.responses import LupusAssessment, doris_remission, lldas, sri4

SYSTEMS = ("constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
           "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological")


def bilag(default: str = "D", **grades: str) -> dict[str, str]:
    return {system: grades.get(system, default) for system in SYSTEMS}


def visit(**changes: Any) -> LupusAssessment:
    values: dict[str, Any] = {
        "sledai_2k": 2, "clinical_sledai": 0, "pga": 0.3, "prednisone_mg_day": 5.0,
        "bilag": bilag(), "major_organ_activity": False, "new_activity": False,
    }
    values.update(changes)
    return LupusAssessment(**values)


BASELINE = visit(sledai_2k=12, clinical_sledai=10, pga=1.5, prednisone_mg_day=20.0,
                 bilag=bilag(renal="A", mucocutaneous="B", musculoskeletal="B"))


# --- SRI-4 ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sledai", "met"), [(8, True), (9, False), (0, True), (12, False), (14, False)])
def test_sri4_sledai_reduction(sledai: int, met: bool) -> None:
    result = sri4(BASELINE, visit(sledai_2k=sledai, pga=1.5))
    assert result.sledai_reduction == 12 - sledai
    assert result.sledai_met is met
    assert result.met is met


def test_sri4_exactly_4_points_vs_3_points() -> None:
    assert sri4(visit(sledai_2k=6), visit(sledai_2k=2)).sledai_met
    assert not sri4(visit(sledai_2k=5), visit(sledai_2k=2)).sledai_met


@pytest.mark.parametrize(
    ("after", "met", "new_a", "new_b"),
    [
        ({}, True, (), ()),
        ({"neuropsychiatric": "A"}, False, ("neuropsychiatric",), ()),
        ({"renal": "A"}, True, (), ()),  # A at baseline too: not new
        ({"haematological": "B"}, True, (), ("haematological",)),
        ({"haematological": "B", "ophthalmic": "B"}, False, (), ("ophthalmic", "haematological")),
        ({"renal": "B"}, True, (), ()),  # A -> B is improvement
        ({"mucocutaneous": "B", "musculoskeletal": "B"}, True, (), ()),  # B stays B
    ],
)
def test_sri4_bilag(after: dict[str, str], met: bool, new_a: tuple[str, ...], new_b: tuple[str, ...]) -> None:
    result = sri4(BASELINE, visit(bilag=bilag(**after)))
    assert result.new_bilag_a == new_a
    assert result.new_bilag_b == new_b
    assert result.bilag_met is met
    assert result.met is met


def test_sri4_new_b_counts_from_c_d_and_e() -> None:
    base = visit(sledai_2k=10, bilag=bilag(renal="C", haematological="E"))
    result = sri4(base, visit(bilag=bilag(renal="B", haematological="B")))
    assert result.new_bilag_b == ("renal", "haematological")
    assert not result.bilag_met


@pytest.mark.parametrize(
    ("before", "after", "met"),
    [
        (1.0, 1.3, False),  # +0.3 is worsening
        (1.0, 1.29, True),  # +0.29 is not
        (0.4, 0.7, False),  # +0.3 again; 0.7 - 0.4 is 0.29999999999999993 in binary floating point
        (1.5, 1.7, True),
        (1.5, 0.5, True),
        (0.0, 3.0, False),
    ],
)
def test_sri4_pga(before: float, after: float, met: bool) -> None:
    result = sri4(visit(sledai_2k=10, pga=before), visit(pga=after))
    assert result.pga_met is met
    assert result.met is met
    assert result.pga_change == pytest.approx(after - before)


def test_sri4_needs_bilag() -> None:
    with pytest.raises(ValueError, match="BILAG"):
        sri4(visit(bilag=None), visit())
    with pytest.raises(ValueError, match="BILAG"):
        sri4(visit(), visit(bilag=None))


# --- LLDAS ------------------------------------------------------------------------------------

def test_lldas_met() -> None:
    result = lldas(visit(sledai_2k=4, pga=1.0, prednisone_mg_day=7.5))
    assert result.met
    assert (result.sledai_met, result.no_major_organ_activity, result.no_new_activity,
            result.pga_met, result.prednisone_met) == (True, True, True, True, True)


@pytest.mark.parametrize(
    ("changes", "component"),
    [
        ({"sledai_2k": 5}, "sledai_met"),
        ({"major_organ_activity": True}, "no_major_organ_activity"),
        ({"new_activity": True}, "no_new_activity"),
        ({"pga": 1.1}, "pga_met"),
        ({"pga": 1.01}, "pga_met"),
        ({"prednisone_mg_day": 7.6}, "prednisone_met"),
        ({"prednisone_mg_day": 7.51}, "prednisone_met"),
    ],
)
def test_lldas_each_component(changes: dict[str, Any], component: str) -> None:
    result = lldas(visit(**{"sledai_2k": 4, "pga": 1.0, "prednisone_mg_day": 7.5} | changes))
    assert getattr(result, component) is False
    assert not result.met


def test_lldas_prednisone_limit_with_other_steroids() -> None:
    # methylprednisolone 6 mg x 1.25 = 7.5 mg prednisone; dexamethasone 1.125 mg x 5/0.75 = 7.5 mg
    for drug, dose in (("methylprednisolone", 6.0), ("dexamethasone", 1.125)):
        assert lldas(visit(prednisone_mg_day=prednisone_equivalent(drug, dose))).prednisone_met
    assert not lldas(visit(prednisone_mg_day=prednisone_equivalent("methylprednisolone", 6.4))).prednisone_met


def test_lldas_needs_the_activity_flags() -> None:
    with pytest.raises(ValueError, match="LLDAS"):
        lldas(visit(major_organ_activity=None))
    with pytest.raises(ValueError, match="LLDAS"):
        lldas(visit(new_activity=None))


# --- DORIS ------------------------------------------------------------------------------------

def test_doris_met_at_the_limits() -> None:
    result = doris_remission(visit(clinical_sledai=0, pga=0.4, prednisone_mg_day=5.0, sledai_2k=4))
    assert (result.clinical_sledai_met, result.pga_met, result.prednisone_met) == (True, True, True)
    assert result.met


@pytest.mark.parametrize(
    ("changes", "component"),
    [
        ({"clinical_sledai": 1}, "clinical_sledai_met"),
        ({"pga": 0.5}, "pga_met"),
        ({"pga": 0.1 * 5}, "pga_met"),
        ({"prednisone_mg_day": 5.1}, "prednisone_met"),
        ({"prednisone_mg_day": 5.01}, "prednisone_met"),
    ],
)
def test_doris_each_component(changes: dict[str, Any], component: str) -> None:
    result = doris_remission(visit(**{"clinical_sledai": 0, "pga": 0.4, "prednisone_mg_day": 5.0} | changes))
    assert getattr(result, component) is False
    assert not result.met


def test_doris_ignores_serology_only_activity() -> None:
    # SLEDAI-2K 4 from low complement + anti-dsDNA, clinical SLEDAI 0: remission by DORIS
    assert doris_remission(visit(sledai_2k=4, clinical_sledai=0, pga=0.2, prednisone_mg_day=0.0)).met


# --- the assessment itself --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sledai_2k": -1}, "sledai_2k"),
        ({"sledai_2k": 106}, "sledai_2k"),
        ({"sledai_2k": True}, "sledai_2k"),
        ({"clinical_sledai": 4.0}, "clinical_sledai"),
        ({"pga": 3.1}, "pga"),
        ({"pga": -0.1}, "pga"),
        ({"pga": float("nan")}, "pga"),
        ({"prednisone_mg_day": -1.0}, "prednisone_mg_day"),
        ({"bilag": {"renal": "A"}}, "nine systems"),
        ({"bilag": bilag(renal="X")}, "renal"),
    ],
)
def test_assessment_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        visit(**changes)


def test_assessment_keeps_its_own_copy_of_bilag() -> None:
    grades = bilag()
    assessment = visit(bilag=grades)
    grades["renal"] = "A"
    assert assessment.bilag is not None
    assert assessment.bilag["renal"] == "D"
