"""ICE score, CRS grade and ICANS grade, ASTCT 2019 consensus (tables in clinical-rules.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edc.definitions.functions import ICE_POINTS
from edc.domain.astct import (
    crs_fever_astct,
    crs_grade_astct,
    crs_hypoxia_astct,
    icans_grade_astct,
    ice_grade,
    ice_score,
)

HYPOTENSION = ("NONE", "NO_VASOPRESSOR", "ONE_VASOPRESSOR", "MULTIPLE_VASOPRESSORS")  # severity order
HYPOXIA = ("NONE", "LOW_FLOW", "HIGH_FLOW", "POSITIVE_PRESSURE")
CONSCIOUSNESS = ("NORMAL", "AWAKENS_SPONTANEOUSLY", "AWAKENS_TO_VOICE", "AWAKENS_TO_TOUCH", "UNAROUSABLE")
SEIZURE = ("NONE", "RAPIDLY_RESOLVING", "PROLONGED_OR_REPETITIVE")
MOTOR = ("NONE", "DEEP_FOCAL_WEAKNESS")
ICP = ("NONE", "FOCAL_OEDEMA", "DIFFUSE_OEDEMA")


# --- ICE --------------------------------------------------------------------------------------

def ice(**points: bool) -> dict[str, object]:
    return {name: points.get(name, True) for name in ICE_POINTS}


def test_ice_items_match_the_definition_signatures() -> None:
    from edc.definitions import functions
    assert tuple(functions.ICE_POINTS) == ICE_POINTS


def test_ice_full_and_empty() -> None:
    assert ice_score(ice()) == 10
    assert ice_score(dict.fromkeys(ICE_POINTS, False)) == 0


@pytest.mark.parametrize("name", ICE_POINTS)
def test_each_ice_item_is_one_point(name: str) -> None:
    assert ice_score(ice(**{name: False})) == 9


@pytest.mark.parametrize(
    ("part", "points"),
    [("ice_orient", 4), ("ice_name_object", 3), ("ice_follow_commands", 1), ("ice_write_sentence", 1),
     ("ice_count_backwards", 1)],
)
def test_ice_parts(part: str, points: int) -> None:
    record = {name: name.startswith(part) for name in ICE_POINTS}
    assert ice_score(record) == points


@pytest.mark.parametrize("name", ICE_POINTS)
def test_ice_missing_item_gives_none(name: str) -> None:
    record = ice()
    record[name] = None
    assert ice_score(record) is None


def test_ice_item_must_be_boolean() -> None:
    with pytest.raises(ValueError, match="ice_orient_year"):
        ice_score(ice() | {"ice_orient_year": 1})


# --- CRS --------------------------------------------------------------------------------------

def crs(fever: object = True, hypotension: object = "NONE", hypoxia: object = "NONE",
        death: object = False) -> dict[str, object]:
    return {"crs_fever": fever, "crs_hypotension": hypotension, "crs_hypoxia": hypoxia, "crs_death": death}


@pytest.mark.parametrize(
    ("hypotension", "grade"),
    [("NONE", 1), ("NO_VASOPRESSOR", 2), ("ONE_VASOPRESSOR", 3), ("MULTIPLE_VASOPRESSORS", 4)],
)
def test_crs_hypotension_levels(hypotension: str, grade: int) -> None:
    assert crs_grade_astct(crs(hypotension=hypotension)) == grade


@pytest.mark.parametrize(
    ("hypoxia", "grade"), [("NONE", 1), ("LOW_FLOW", 2), ("HIGH_FLOW", 3), ("POSITIVE_PRESSURE", 4)]
)
def test_crs_hypoxia_levels(hypoxia: str, grade: int) -> None:
    assert crs_grade_astct(crs(hypoxia=hypoxia)) == grade


@pytest.mark.parametrize("hypotension", HYPOTENSION)
@pytest.mark.parametrize("hypoxia", HYPOXIA)
def test_crs_grade_is_the_worse_of_the_two(hypotension: str, hypoxia: str) -> None:
    expected = max(HYPOTENSION.index(hypotension), HYPOXIA.index(hypoxia)) + 1
    assert crs_grade_astct(crs(hypotension=hypotension, hypoxia=hypoxia)) == expected


@pytest.mark.parametrize("hypotension", HYPOTENSION)
@pytest.mark.parametrize("hypoxia", [*HYPOXIA, None])
def test_no_fever_is_no_crs(hypotension: str, hypoxia: str | None) -> None:
    assert crs_grade_astct(crs(fever=False, hypotension=hypotension, hypoxia=hypoxia)) == 0


@pytest.mark.parametrize("fever", [True, False, None])
def test_crs_death_is_grade_5(fever: bool | None) -> None:
    assert crs_grade_astct(crs(fever=fever, hypotension=None, hypoxia=None, death=True)) == 5


@pytest.mark.parametrize(
    "record",
    [crs(fever=None), crs(death=None), crs(hypotension=None), crs(hypoxia=None), {}],
)
def test_crs_missing_input_gives_none(record: dict[str, object]) -> None:
    assert crs_grade_astct(record) is None


@pytest.mark.parametrize(
    ("record", "item"),
    [(crs(hypotension="VASOPRESSIN"), "crs_hypotension"), (crs(hypoxia="low_flow"), "crs_hypoxia"),
     (crs(fever="Y"), "crs_fever"), (crs(death=0), "crs_death"), (crs(fever=False, hypoxia="X"), "crs_hypoxia")],
)
def test_crs_invalid_input_is_an_error(record: dict[str, object], item: str) -> None:
    with pytest.raises(ValueError, match=item):
        crs_grade_astct(record)


crs_inputs = st.tuples(st.booleans(), st.integers(0, 3), st.integers(0, 3), st.booleans())


@given(crs_inputs, st.integers(0, 3))
def test_crs_grade_is_monotone_in_each_input(inputs: tuple[bool, int, int, bool], which: int) -> None:
    fever, hypotension, hypoxia, death = inputs
    base = crs_grade_astct(crs(fever, HYPOTENSION[hypotension], HYPOXIA[hypoxia], death))
    worse = [
        crs(True, HYPOTENSION[hypotension], HYPOXIA[hypoxia], death),
        crs(fever, HYPOTENSION[min(hypotension + 1, 3)], HYPOXIA[hypoxia], death),
        crs(fever, HYPOTENSION[hypotension], HYPOXIA[min(hypoxia + 1, 3)], death),
        crs(fever, HYPOTENSION[hypotension], HYPOXIA[hypoxia], True),
    ][which]
    graded = crs_grade_astct(worse)
    assert base is not None
    assert graded is not None
    assert 0 <= base <= graded <= 5


# --- CRS from raw values: fever and hypoxia (Lee et al. 2019, table and footnotes) ------------------

FEVER_MIN_C = 38.0  # "fever is defined as temperature >= 38 C"
LOW_FLOW_MAX_L_MIN = 6  # "low-flow nasal cannula is defined as oxygen delivered at <= 6 L/minute"
DEVICE_HYPOXIA = {  # the ASTCT table's hypoxia column, device by device
    "NONE": "NONE", "BLOW_BY": "LOW_FLOW", "FACEMASK": "HIGH_FLOW", "NON_REBREATHER": "HIGH_FLOW",
    "VENTURI": "HIGH_FLOW", "CPAP_BIPAP": "POSITIVE_PRESSURE", "MECHANICAL_VENTILATION": "POSITIVE_PRESSURE",
}
CANNULAS = ("NASAL_CANNULA_LOW_FLOW", "NASAL_CANNULA_HIGH_FLOW")


def fever(tmax: object, masked: object = False) -> bool | None:
    return crs_fever_astct({"crs_tmax": tmax, "crs_fever_masked": masked}, fever_min_c=FEVER_MIN_C)


def hypoxia(device: object, flow: object = None) -> str | None:
    return crs_hypoxia_astct({"crs_o2_device": device, "crs_o2_flow": flow}, low_flow_max_l_min=LOW_FLOW_MAX_L_MIN)


@pytest.mark.parametrize(("tmax", "expected"), [
    (Decimal("37.9"), False), (Decimal("38.0"), True), (Decimal("38.1"), True), (37.9, False), (38.0, True),
    (38, True), (Decimal("35.0"), False), (Decimal("41.5"), True),
])
def test_fever_is_38_0_c_or_more(tmax: object, expected: bool) -> None:
    assert fever(tmax) is expected


@pytest.mark.parametrize("tmax", [Decimal("36.5"), Decimal("37.9"), None])
def test_antipyretic_or_anti_cytokine_therapy_keeps_the_fever_criterion(tmax: object) -> None:
    """Once tocilizumab, steroids or antipyretics are given, fever is no longer required to grade CRS."""
    assert fever(tmax, masked=True) is True


def test_fever_undecided_without_temperature_or_therapy() -> None:
    assert fever(None, masked=False) is None
    assert fever(Decimal("37.0"), masked=None) is None
    assert fever(Decimal("38.4"), masked=None) is True  # decided by the temperature alone


def test_fever_boundary_is_the_definitions() -> None:
    record = {"crs_tmax": Decimal("38.2"), "crs_fever_masked": False}
    assert crs_fever_astct(record, fever_min_c=38.3) is False
    assert crs_fever_astct(record, fever_min_c=38.2) is True


@pytest.mark.parametrize(("record", "message"), [
    ({"crs_tmax": "38.5", "crs_fever_masked": False}, "crs_tmax"),
    ({"crs_tmax": True, "crs_fever_masked": False}, "crs_tmax"),
    ({"crs_tmax": float("nan"), "crs_fever_masked": False}, "crs_tmax"),
    ({"crs_tmax": 38.5, "crs_fever_masked": "N"}, "crs_fever_masked"),
])
def test_fever_invalid_input_is_an_error(record: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        crs_fever_astct(record, fever_min_c=FEVER_MIN_C)


@pytest.mark.parametrize("boundary", [0, -1.0, float("inf"), True])
def test_a_boundary_is_a_positive_number(boundary: object) -> None:
    with pytest.raises(ValueError, match="fever_min_c"):
        crs_fever_astct({"crs_tmax": 38.5, "crs_fever_masked": False}, fever_min_c=boundary)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="low_flow_max_l_min"):
        crs_hypoxia_astct({"crs_o2_device": "NONE"}, low_flow_max_l_min=boundary)  # type: ignore[arg-type]


@pytest.mark.parametrize("device", CANNULAS)
@pytest.mark.parametrize(("flow", "expected"), [
    (Decimal("0.5"), "LOW_FLOW"), (Decimal("6.0"), "LOW_FLOW"), (6, "LOW_FLOW"), (Decimal("6.1"), "HIGH_FLOW"),
    (6.1, "HIGH_FLOW"), (Decimal("40"), "HIGH_FLOW"),
])
def test_a_nasal_cannula_is_low_flow_up_to_6_l_min_and_high_flow_above(device: str, flow: object,
                                                                        expected: str) -> None:
    """ASTCT defines low and high flow by the flow, whichever cannula the site names."""
    assert hypoxia(device, flow) == expected


@pytest.mark.parametrize(("device", "expected"), DEVICE_HYPOXIA.items())
def test_each_oxygen_support_gives_its_hypoxia_level(device: str, expected: str) -> None:
    assert hypoxia(device) == expected
    assert hypoxia(device, Decimal("10")) == expected  # the flow of a mask does not change its level


def test_hypoxia_undecided_without_device_or_cannula_flow() -> None:
    assert hypoxia(None) is None
    assert hypoxia("NASAL_CANNULA_LOW_FLOW") is None


@pytest.mark.parametrize(("device", "flow", "message"), [
    ("OXYGEN", None, "crs_o2_device"), ("nasal_cannula_low_flow", Decimal("2"), "crs_o2_device"),
    ("NASAL_CANNULA_LOW_FLOW", Decimal("0"), "crs_o2_flow"), ("NASAL_CANNULA_HIGH_FLOW", "8", "crs_o2_flow"),
])
def test_hypoxia_invalid_input_is_an_error(device: object, flow: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        hypoxia(device, flow)


@pytest.mark.parametrize(("tmax", "hypotension", "device", "flow", "grade"), [
    (Decimal("37.9"), "ONE_VASOPRESSOR", "NASAL_CANNULA_LOW_FLOW", Decimal("2"), 0),  # no fever, no CRS
    (Decimal("38.0"), "NONE", "NONE", None, 1),
    (Decimal("38.0"), "NONE", "BLOW_BY", None, 2),
    (Decimal("38.0"), "NONE", "NASAL_CANNULA_LOW_FLOW", Decimal("6.0"), 2),
    (Decimal("38.0"), "NONE", "NASAL_CANNULA_LOW_FLOW", Decimal("6.1"), 3),
    (Decimal("38.0"), "NO_VASOPRESSOR", "NASAL_CANNULA_HIGH_FLOW", Decimal("6.0"), 2),
    (Decimal("39.2"), "NO_VASOPRESSOR", "VENTURI", None, 3),
    (Decimal("39.2"), "ONE_VASOPRESSOR", "NONE", None, 3),  # with or without vasopressin
    (Decimal("39.2"), "MULTIPLE_VASOPRESSORS", "NASAL_CANNULA_LOW_FLOW", Decimal("3"), 4),
    (Decimal("39.2"), "NONE", "CPAP_BIPAP", None, 4),
    (Decimal("39.2"), "ONE_VASOPRESSOR", "MECHANICAL_VENTILATION", None, 4),
])
def test_crs_grade_from_raw_values(tmax: Decimal, hypotension: str, device: str, flow: object, grade: int) -> None:
    """The grade is the more severe of hypotension and hypoxia, fever required (the published table)."""
    record = {"crs_fever": fever(tmax), "crs_hypotension": hypotension, "crs_hypoxia": hypoxia(device, flow),
              "crs_death": False}
    assert crs_grade_astct(record) == grade


# --- ICANS ------------------------------------------------------------------------------------

def icans(ice: object = 10, consciousness: object = "NORMAL", seizure: object = "NONE", motor: object = "NONE",
          icp: object = "NONE", death: object = False) -> dict[str, object]:
    return {"icans_ice_score": ice, "icans_consciousness": consciousness, "icans_seizure": seizure,
            "icans_motor": motor, "icans_icp": icp, "icans_death": death}


def test_icans_all_normal_is_0() -> None:
    assert icans_grade_astct(icans()) == 0


@pytest.mark.parametrize(
    ("ice", "grade"), [(10, 0), (9, 1), (8, 1), (7, 1), (6, 2), (5, 2), (4, 2), (3, 2), (2, 3), (1, 3), (0, 3)]
)
def test_icans_ice_boundaries(ice: int, grade: int) -> None:
    assert icans_grade_astct(icans(ice=ice)) == grade
    assert ice_grade(ice) == grade


def test_icans_ice_0_unarousable_is_4() -> None:
    assert icans_grade_astct(icans(ice=0, consciousness="UNAROUSABLE")) == 4
    assert icans_grade_astct(icans(ice=0, consciousness="NORMAL")) == 3  # awake with global aphasia


def test_icans_unarousable_without_ice_is_4() -> None:
    assert icans_grade_astct(icans(ice=None, consciousness="UNAROUSABLE")) == 4
    assert icans_grade_astct(icans(ice=None, consciousness="UNAROUSABLE", death=True)) == 5


@pytest.mark.parametrize("consciousness", CONSCIOUSNESS[:-1])
def test_icans_missing_ice_when_arousable_gives_none(consciousness: str) -> None:
    assert icans_grade_astct(icans(ice=None, consciousness=consciousness)) is None


@pytest.mark.parametrize(("consciousness", "grade"), list(zip(CONSCIOUSNESS, range(5), strict=True)))
def test_icans_consciousness_levels(consciousness: str, grade: int) -> None:
    assert icans_grade_astct(icans(consciousness=consciousness)) == grade


@pytest.mark.parametrize(("seizure", "grade"), [("NONE", 0), ("RAPIDLY_RESOLVING", 3), ("PROLONGED_OR_REPETITIVE", 4)])
def test_icans_seizure(seizure: str, grade: int) -> None:
    assert icans_grade_astct(icans(seizure=seizure)) == grade


@pytest.mark.parametrize(("motor", "grade"), [("NONE", 0), ("DEEP_FOCAL_WEAKNESS", 4)])
def test_icans_motor(motor: str, grade: int) -> None:
    assert icans_grade_astct(icans(motor=motor)) == grade


@pytest.mark.parametrize(("icp", "grade"), [("NONE", 0), ("FOCAL_OEDEMA", 3), ("DIFFUSE_OEDEMA", 4)])
def test_icans_icp(icp: str, grade: int) -> None:
    assert icans_grade_astct(icans(icp=icp)) == grade


def test_icans_worst_domain_wins() -> None:
    assert icans_grade_astct(icans(ice=8, consciousness="AWAKENS_TO_VOICE")) == 2
    assert icans_grade_astct(icans(ice=5, seizure="RAPIDLY_RESOLVING")) == 3
    assert icans_grade_astct(icans(ice=2, icp="DIFFUSE_OEDEMA")) == 4


def test_icans_death_is_5() -> None:
    assert icans_grade_astct(icans(death=True)) == 5
    assert icans_grade_astct({"icans_death": True}) == 5


@pytest.mark.parametrize(
    "record",
    [icans(consciousness=None), icans(seizure=None), icans(motor=None), icans(icp=None), icans(death=None), {}],
)
def test_icans_missing_input_gives_none(record: dict[str, object]) -> None:
    assert icans_grade_astct(record) is None


@pytest.mark.parametrize(
    ("record", "item"),
    [(icans(ice=11), "icans_ice_score"), (icans(ice=-1), "icans_ice_score"), (icans(ice=True), "icans_ice_score"),
     (icans(ice=9.0), "icans_ice_score"), (icans(consciousness="COMA"), "icans_consciousness"),
     (icans(seizure="FOCAL"), "icans_seizure"), (icans(motor="WEAK"), "icans_motor"),
     (icans(icp="OEDEMA"), "icans_icp"), (icans(death="N"), "icans_death")],
)
def test_icans_invalid_input_is_an_error(record: dict[str, object], item: str) -> None:
    with pytest.raises(ValueError, match=item):
        icans_grade_astct(record)


icans_inputs = st.tuples(
    st.integers(0, 10), st.integers(0, 4), st.integers(0, 2), st.integers(0, 1), st.integers(0, 2), st.booleans()
)


def _icans(values: tuple[int, int, int, int, int, bool]) -> int | None:
    ice_value, consciousness, seizure, motor, icp, death = values
    return icans_grade_astct(icans(10 - ice_value, CONSCIOUSNESS[consciousness], SEIZURE[seizure], MOTOR[motor],
                                   ICP[icp], death))


@given(icans_inputs, st.integers(0, 5))
def test_icans_grade_is_monotone_in_each_input(values: tuple[int, int, int, int, int, bool], which: int) -> None:
    # Each input is expressed as a severity index; ICE severity is 10 - score.
    limits = (10, 4, 2, 1, 2)
    base = _icans(values)
    raised = list(values)
    if which == 5:
        raised[5] = True
    else:
        raised[which] = min(int(values[which]) + 1, limits[which])
    worse = _icans((raised[0], raised[1], raised[2], raised[3], raised[4], bool(raised[5])))
    assert base is not None
    assert worse is not None
    assert 0 <= base <= worse <= 5
