"""Each trial's DLT definition, written in its study YAML (escalation.dlt), is what the engine screens against.

The screening reads the definition model itself (`DltRules`, window from
escalation.dlt_window_days); these tests hold the YAML and the engine
together: every definition passes the screening's checks, IC19's is the
definition test_dlt.py tests, the others are the assumed standard one, and the
codelists hold the engine's codes.
"""

from __future__ import annotations

import json

import pytest
from test_dlt import IC19_DLT, dlt_definition, standard

from edc.definitions.catalog import Catalog
from edc.definitions.model import DltRules
from edc.domain.dlt import RELATEDNESS_CODES, EventClass, check_definition

TRIALS = ("ic19", "rd0604", "relmacel", "cnct19")


def plain(definition: DltRules) -> DltRules:
    """The definition without its assumptions (documentation only), to compare with one written in code."""
    return definition.model_copy(update={
        "assumption": None,
        "persistence": tuple(rule.model_copy(update={"assumption": None}) for rule in definition.persistence),
        "exceptions": tuple(rule.model_copy(update={"assumption": None}) for rule in definition.exceptions),
    })


def section(definition: DltRules, window_days: int) -> dict[str, object]:
    """The definition's plain values as a YAML `dlt` section holds them, with its window."""
    values = definition.model_dump(mode="json", exclude_none=True)
    values.pop("assumption", None)
    for rules in (values["persistence"], values["exceptions"]):
        for rule in rules:
            rule.pop("assumption", None)
    return {"window_days": window_days, **values}


@pytest.mark.parametrize("study_id", TRIALS)
def test_every_trial_builds_its_dlt_definition(catalog: Catalog, study_id: str) -> None:
    escalation = catalog.study(study_id).spec.escalation
    mapping = section(escalation.dlt, escalation.dlt_window_days)
    assert json.loads(json.dumps(mapping)) == mapping  # plain values, as a YAML section would hold them
    check_definition(escalation.dlt, escalation.dlt_window_days)
    definition = dlt_definition(mapping)
    assert mapping["window_days"] == escalation.dlt_window_days  # one source: escalation.dlt_window_days
    assert set(definition.related) <= set(RELATEDNESS_CODES)
    assert definition.scope_reference and definition.always_dlt_reference


def test_ic19_yaml_is_the_tested_ic19_definition(catalog: Catalog) -> None:
    escalation = catalog.study("ic19").spec.escalation
    assert plain(escalation.dlt) == dlt_definition(IC19_DLT)
    assert escalation.dlt_window_days == IC19_DLT["window_days"]


@pytest.mark.parametrize("study_id", ["rd0604", "relmacel", "cnct19"])
def test_the_other_trials_use_the_assumed_standard_definition(catalog: Catalog, study_id: str) -> None:
    escalation = catalog.study(study_id).spec.escalation
    assert plain(escalation.dlt) == standard(escalation.dlt_window_days)
    assert escalation.dlt.assumption is not None and "Replace with the protocol's" in escalation.dlt.assumption


def test_absent_keys_are_absent_from_the_definition(catalog: Catalog) -> None:
    definition = catalog.study("ic19").spec.escalation.dlt
    icans = next(rule for rule in definition.exceptions if rule.id == "icans_g3")
    assert icans.limits == {"max_days_to_improve": 7, "max_duration_days": 7, "max_days_to_baseline": 28}
    assert (icans.event_class, icans.grades) == (EventClass.ICANS, (3,))
    general = next(rule for rule in definition.persistence if rule.id == "grade3_not_improved_7d")
    assert general.event_class is None  # the general rule: no class


@pytest.mark.parametrize("study_id", TRIALS)
def test_the_codelists_hold_the_engine_codes(catalog: Catalog, study_id: str) -> None:
    codelists = catalog.study(study_id).codelists
    assert set(codelists["dlt_event_class"].codes()) == {c.value for c in EventClass}
    assert codelists["relatedness"].codes() == RELATEDNESS_CODES


@pytest.mark.parametrize("study_id", TRIALS)
def test_the_adverse_event_form_asks_the_dlt_class(catalog: Catalog, study_id: str) -> None:
    item = catalog.study(study_id).forms["adverse_events"].item("aedltcls")
    assert item is not None
    assert (item.type, item.codelist, item.required) == ("choice", "dlt_event_class", True)
    assert item.when == "aecat == 'OTHER' && aetoxgr in ['3', '4', '5']"
