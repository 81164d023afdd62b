"""SLEDAI-2K and SELENA-SLEDAI, from the published descriptor table (clinical-rules.md)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edc.domain.sledai import (
    CLINICAL_EXCLUDES_RD0604,
    CLINICAL_EXCLUDES_SEROLOGY,
    SLEDAI_BOOLEAN_DESCRIPTORS,
    SLEDAI_DESCRIPTORS,
    SLEDAI_MAX,
    SLEDAI_ONSET_CODES,
    SLEDAI_ONSET_DESCRIPTORS,
    SLEDAI_WEIGHTS,
    activity_band_from_bounds,
    selena_sledai_total,
    sledai_2k_total,
    sledai_activity_band,
)

# The published table, written out again here so the code's table is checked against it.
PUBLISHED_WEIGHTS = {
    **dict.fromkeys(("seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance",
                     "cranial_nerve_disorder", "lupus_headache", "cva", "vasculitis"), 8),
    **dict.fromkeys(("arthritis", "myositis", "urinary_casts", "haematuria", "proteinuria", "pyuria"), 4),
    **dict.fromkeys(("rash", "alopecia", "mucosal_ulcers", "pleurisy", "pericarditis",
                     "low_complement", "increased_dna_binding"), 2),
    **dict.fromkeys(("fever", "thrombocytopenia", "leukopenia"), 1),
}
ONSET = ("rash", "alopecia", "mucosal_ulcers", "proteinuria")
BANDS = ((0, 4, "NONE"), (5, 9, "MILD"), (10, 14, "MODERATE"), (15, None, "SEVERE"))
Total = Callable[..., int | None]
TOTALS: tuple[Total, ...] = (sledai_2k_total, selena_sledai_total)


def absent() -> dict[str, object]:
    """A complete record with every descriptor absent."""
    return {name: ("ABSENT" if name in ONSET else False) for name in PUBLISHED_WEIGHTS}


def present(code: str = "NEW") -> dict[str, object]:
    """A complete record with every descriptor present (onset descriptors with `code`)."""
    return {name: (code if name in ONSET else True) for name in PUBLISHED_WEIGHTS}


def test_table_matches_the_published_weights() -> None:
    assert dict(SLEDAI_WEIGHTS) == PUBLISHED_WEIGHTS
    assert len(SLEDAI_DESCRIPTORS) == 24
    assert sum(SLEDAI_WEIGHTS.values()) == SLEDAI_MAX == 105
    assert set(SLEDAI_ONSET_DESCRIPTORS) == set(ONSET)
    assert len(SLEDAI_BOOLEAN_DESCRIPTORS) == 20
    assert SLEDAI_ONSET_CODES == ("ABSENT", "NEW", "RECURRENT", "PERSISTENT")


def test_item_names_match_the_definition_signatures() -> None:
    from edc.definitions import functions
    assert set(functions.SLEDAI_BOOLEAN_DESCRIPTORS) == set(SLEDAI_BOOLEAN_DESCRIPTORS)
    assert set(functions.SLEDAI_ONSET_DESCRIPTORS) == set(SLEDAI_ONSET_DESCRIPTORS)


@pytest.mark.parametrize("total", TOTALS)
@pytest.mark.parametrize(("name", "weight"), sorted(PUBLISHED_WEIGHTS.items()))
def test_each_descriptor_alone_scores_its_weight(total: Total, name: str, weight: int) -> None:
    record = absent()
    record[name] = "NEW" if name in ONSET else True
    assert total(record) == weight


@pytest.mark.parametrize("total", TOTALS)
def test_nothing_present_is_zero_and_everything_present_is_105(total: Total) -> None:
    assert total(absent()) == 0
    assert total(present("NEW")) == 105
    assert total(present("RECURRENT")) == 105


@pytest.mark.parametrize("name", ONSET)
@pytest.mark.parametrize(
    ("code", "counts_2k", "counts_selena"),
    [("ABSENT", False, False), ("NEW", True, True), ("RECURRENT", True, True), ("PERSISTENT", True, False)],
)
def test_onset_distinction(name: str, code: str, counts_2k: bool, counts_selena: bool) -> None:
    record = absent()
    record[name] = code
    weight = PUBLISHED_WEIGHTS[name]
    assert sledai_2k_total(record) == (weight if counts_2k else 0)
    assert selena_sledai_total(record) == (weight if counts_selena else 0)


def test_all_persistent_separates_the_two_totals() -> None:
    # rash 2 + alopecia 2 + mucosal ulcers 2 + proteinuria 4 = 10 points that only SLEDAI-2K counts
    assert sledai_2k_total(present("PERSISTENT")) == 105
    assert selena_sledai_total(present("PERSISTENT")) == 95


@pytest.mark.parametrize("total", TOTALS)
@pytest.mark.parametrize("name", sorted(PUBLISHED_WEIGHTS))
def test_a_missing_descriptor_gives_none(total: Total, name: str) -> None:
    record = present()
    record[name] = None
    assert total(record) is None
    del record[name]
    assert total(record) is None


def test_exclusion_sets_are_the_trials_lists() -> None:
    assert set(CLINICAL_EXCLUDES_RD0604) == {
        "urinary_casts", "haematuria", "proteinuria", "pyuria",
        "low_complement", "increased_dna_binding", "thrombocytopenia", "leukopenia",
    }
    assert set(CLINICAL_EXCLUDES_SEROLOGY) == {"low_complement", "increased_dna_binding"}


@pytest.mark.parametrize("total", TOTALS)
def test_clinical_sledai_rd0604(total: Total) -> None:
    # 105 - (casts 4 + haematuria 4 + proteinuria 4 + pyuria 4 + complement 2 + DNA 2 + platelets 1 + WBC 1) = 83
    assert total(present(), CLINICAL_EXCLUDES_RD0604) == 83
    record = absent()
    for name in CLINICAL_EXCLUDES_RD0604:
        record[name] = "NEW" if name in ONSET else True
    assert total(record, CLINICAL_EXCLUDES_RD0604) == 0
    assert total(record) == 22


@pytest.mark.parametrize("total", TOTALS)
def test_clinical_sledai_serology(total: Total) -> None:
    assert total(present(), CLINICAL_EXCLUDES_SEROLOGY) == 101
    record = absent() | {"low_complement": True, "increased_dna_binding": True, "arthritis": True}
    assert total(record, CLINICAL_EXCLUDES_SEROLOGY) == 4
    assert total(record) == 8


def test_excluded_descriptors_are_not_read() -> None:
    record = absent()
    for name in CLINICAL_EXCLUDES_RD0604:
        del record[name]
    assert sledai_2k_total(record) is None
    assert sledai_2k_total(record, CLINICAL_EXCLUDES_RD0604) == 0
    record["proteinuria"] = "NOT A CODE"
    assert sledai_2k_total(record, CLINICAL_EXCLUDES_RD0604) == 0


@pytest.mark.parametrize("total", TOTALS)
def test_unknown_descriptor_in_exclude_is_an_error(total: Total) -> None:
    with pytest.raises(ValueError, match="unknown SLEDAI descriptor"):
        total(absent(), ["fever", "hematuria"])
    with pytest.raises(ValueError, match="not the string"):
        total(absent(), "fever")


@pytest.mark.parametrize("bad", ["new", "CHRONIC", "", True, 1])
def test_unknown_onset_code_is_an_error(bad: object) -> None:
    record = absent() | {"rash": bad}
    for total in TOTALS:
        with pytest.raises(ValueError, match="rash"):
            total(record)


@pytest.mark.parametrize("bad", ["Y", 1, 0, "true"])
def test_a_boolean_descriptor_must_be_a_boolean(bad: object) -> None:
    with pytest.raises(ValueError, match="fever"):
        sledai_2k_total(absent() | {"fever": bad})


def test_an_invalid_value_raises_even_when_another_is_missing() -> None:
    with pytest.raises(ValueError):
        sledai_2k_total(absent() | {"seizure": None, "leukopenia": "Y"})


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "NONE"), (4, "NONE"), (5, "MILD"), (9, "MILD"), (10, "MODERATE"), (14, "MODERATE"),
     (15, "SEVERE"), (105, "SEVERE")],
)
def test_activity_bands(total: int, band: str) -> None:
    assert sledai_activity_band(total, BANDS) == band


@pytest.mark.parametrize("total", [-1, 106, True, 4.0])
def test_activity_band_rejects_impossible_totals(total: Total) -> None:
    with pytest.raises(ValueError, match="SLEDAI total"):
        sledai_activity_band(total, BANDS)  # type: ignore[arg-type]


def test_activity_band_gaps_and_overlaps() -> None:
    with pytest.raises(ValueError, match="no activity band"):
        sledai_activity_band(20, ((0, 4, "LOW"), (5, 9, "MID")))
    with pytest.raises(ValueError, match="no activity band"):
        sledai_activity_band(5, ((0, 4, "LOW"), (6, None, "HIGH")))
    with pytest.raises(ValueError, match="overlaps"):
        sledai_activity_band(3, ((0, 5, "LOW"), (5, None, "HIGH")))
    with pytest.raises(ValueError, match="overlaps"):
        sledai_activity_band(3, ((10, None, "HIGH"), (0, None, "LOW")))
    with pytest.raises(ValueError, match="below"):
        sledai_activity_band(3, ((4, 0, "ODD"),))


# --- properties -------------------------------------------------------------------------------

def _value(name: str) -> st.SearchStrategy[object]:
    return st.sampled_from(SLEDAI_ONSET_CODES) if name in ONSET else st.booleans()


records = st.fixed_dictionaries({name: _value(name) for name in PUBLISHED_WEIGHTS})
excludes = st.sets(st.sampled_from(sorted(PUBLISHED_WEIGHTS)))


@given(records, excludes)
def test_totals_are_within_0_105(record: dict[str, object], exclude: set[str]) -> None:
    for total in TOTALS:
        value = total(record, exclude)
        assert value is not None
        assert 0 <= value <= 105


@given(records, excludes)
def test_sledai_2k_is_never_below_selena(record: dict[str, object], exclude: set[str]) -> None:
    two_k = sledai_2k_total(record, exclude)
    selena = selena_sledai_total(record, exclude)
    assert two_k is not None
    assert selena is not None
    assert two_k >= selena


@given(records, excludes, st.sampled_from(sorted(PUBLISHED_WEIGHTS)))
def test_removing_a_descriptor_never_raises_the_total(record: dict[str, object], exclude: set[str], extra: str) -> None:
    for total in TOTALS:
        before = total(record, exclude)
        after = total(record, exclude | {extra})
        assert before is not None
        assert after is not None
        assert after <= before


@given(records)
def test_total_is_the_sum_of_scored_weights(record: dict[str, object]) -> None:
    expected = sum(
        weight for name, weight in PUBLISHED_WEIGHTS.items()
        if record[name] in (True, "NEW", "RECURRENT", "PERSISTENT")
    )
    assert sledai_2k_total(record) == expected


@given(st.integers(min_value=0, max_value=105))
def test_bands_from_lower_bounds_agree_with_explicit_bands(total: int) -> None:
    by_bounds = activity_band_from_bounds(total, [0, 5, 10, 15], ["NONE", "MILD", "MODERATE", "SEVERE"])
    assert by_bounds == sledai_activity_band(total, BANDS)


@pytest.mark.parametrize(("lows", "labels", "message"), [
    ([0, 5], ["NONE"], "2 lower bounds for 1"),
    ([], [], "0 lower bounds"),
    ([1, 5], ["A", "B"], "rise strictly from 0"),
    ([0, 5, 5], ["A", "B", "C"], "rise strictly from 0"),
    ([0, 9, 5], ["A", "B", "C"], "rise strictly from 0"),
])
def test_bands_from_lower_bounds_refuse_malformed_bounds(lows: list[int], labels: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        activity_band_from_bounds(3, lows, labels)
