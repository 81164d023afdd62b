"""SRI-4, LLDAS and DORIS remission at their thresholds, LLDAS's activity flags, and their invariants."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edc.domain.derived import prednisone_equivalent
from edc.domain.responses import (
    LLDAS_MAJOR_ORGAN_DESCRIPTORS,
    LupusAssessment,
    doris_remission,
    lldas,
    major_organ_activity,
    new_activity,
    sri4,
)
from edc.domain.sledai import SLEDAI_WEIGHTS

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


# --- LLDAS activity flags from the SLEDAI-2K descriptors ----------------------------------------

@pytest.mark.parametrize(("active", "major"), [
    ((), False),
    (("arthritis", "rash", "low_complement", "increased_dna_binding", "alopecia"), False),
    (("thrombocytopenia", "leukopenia", "myositis", "mucosal_ulcers"), False),
    *((("arthritis", organ), True) for organ in sorted(LLDAS_MAJOR_ORGAN_DESCRIPTORS)),
])
def test_major_organ_activity_is_renal_cns_cardiopulmonary_vasculitis_or_fever(
        active: tuple[str, ...], major: bool) -> None:
    assert major_organ_activity(active) is major


def test_gastrointestinal_activity_comes_from_bilag() -> None:
    for grade, active in (("A", True), ("B", True), ("C", True), ("D", False), ("E", False)):
        assert major_organ_activity(("arthritis",), bilag(gastrointestinal=grade)) is active


def test_new_activity_is_what_is_active_now_and_was_not_before() -> None:
    assert new_activity(("arthritis", "rash"), ("rash", "fever", "arthritis", "seizure")) == ("seizure", "fever")
    assert new_activity(("rash",), ()) == ()
    with pytest.raises(ValueError, match="unknown SLEDAI descriptor"):
        new_activity((), ("nephritis",))
    with pytest.raises(ValueError, match="unknown SLEDAI descriptor"):
        major_organ_activity(("nephritis",))


descriptor_sets = st.frozensets(st.sampled_from(sorted(SLEDAI_WEIGHTS)))
sledai_totals = st.integers(min_value=0, max_value=105)
pgas = st.integers(min_value=0, max_value=30).map(lambda tenths: tenths / 10)
doses = st.integers(min_value=0, max_value=400).map(lambda quarters: quarters / 4)
grades = st.fixed_dictionaries({s: st.sampled_from("ABCDE") for s in SYSTEMS})


@given(descriptor_sets, descriptor_sets)
def test_new_activity_invariants(previous: frozenset[str], current: frozenset[str]) -> None:
    new = set(new_activity(previous, current))
    assert new == current - previous
    assert new_activity(current, current) == ()
    assert major_organ_activity(current) <= major_organ_activity(current | previous)  # monotone in activity


@given(sledai_totals, sledai_totals, pgas, pgas, grades, grades)
def test_sri4_invariants(before: int, after: int, pga_before: float, pga_after: float,
                         bilag_before: dict[str, str], bilag_after: dict[str, str]) -> None:
    result = sri4(visit(sledai_2k=before, pga=pga_before, bilag=bilag_before),
                  visit(sledai_2k=after, pga=pga_after, bilag=bilag_after))
    assert result.sledai_reduction == before - after
    if result.met:
        assert before - after >= 4 and not result.new_bilag_a and len(result.new_bilag_b) <= 1
        assert pga_after - pga_before < 0.3 + 1e-9
    # the same visit against itself never responds: no reduction
    assert not sri4(visit(sledai_2k=after, pga=pga_after, bilag=bilag_after),
                    visit(sledai_2k=after, pga=pga_after, bilag=bilag_after)).met


@given(sledai_totals, pgas, doses, st.booleans(), st.booleans())
def test_lldas_and_doris_never_worsen_with_less_activity_or_steroid(
        total: int, pga: float, dose: float, major: bool, new: bool) -> None:
    state = visit(sledai_2k=total, clinical_sledai=total, pga=pga, prednisone_mg_day=dose,
                  major_organ_activity=major, new_activity=new)
    calmer = visit(sledai_2k=total // 2, clinical_sledai=total // 2, pga=round(pga / 2, 2),
                   prednisone_mg_day=dose / 2, major_organ_activity=major, new_activity=new)
    assert lldas(state).met <= lldas(calmer).met
    assert doris_remission(state).met <= doris_remission(calmer).met
    if doris_remission(state).met:
        assert total == 0 and pga < 0.5 and dose <= 5.0
    if lldas(state).met:
        assert total <= 4 and pga <= 1.0 and dose <= 7.5 and not major and not new
