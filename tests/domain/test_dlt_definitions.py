"""Each trial's DLT definition, written in its study YAML (escalation.dlt), builds the engine's DltDefinition.

The definitions layer cannot import the domain, so it mirrors DltDefinition's
shape and checks its codes against codelists; these tests hold the two sides
together: the mapping builds, IC19's is the definition test_dlt.py tests, the
others are the assumed standard one, and the codelists hold the engine's codes.
"""

from __future__ import annotations

import json

import pytest
from test_dlt import IC19_DLT, standard

from edc.definitions.catalog import Catalog
from edc.domain.dlt import RELATEDNESS_CODES, DltDefinition, EventClass

TRIALS = ("ic19", "rd0604", "relmacel", "cnct19")


@pytest.mark.parametrize("study_id", TRIALS)
def test_every_trial_builds_its_dlt_definition(catalog: Catalog, study_id: str) -> None:
    escalation = catalog.study(study_id).spec.escalation
    mapping = escalation.dlt_definition_mapping()
    assert json.loads(json.dumps(mapping)) == mapping  # plain values, as a YAML section would hold them
    definition = DltDefinition.from_mapping(mapping)
    assert definition.window_days == escalation.dlt_window_days  # one source: escalation.dlt_window_days
    assert set(definition.related) <= set(RELATEDNESS_CODES)
    assert definition.scope_reference and definition.always_dlt_reference


def test_ic19_yaml_is_the_tested_ic19_definition(catalog: Catalog) -> None:
    mapping = catalog.study("ic19").spec.escalation.dlt_definition_mapping()
    assert DltDefinition.from_mapping(mapping) == DltDefinition.from_mapping(IC19_DLT)


@pytest.mark.parametrize("study_id", ["rd0604", "relmacel", "cnct19"])
def test_the_other_trials_use_the_assumed_standard_definition(catalog: Catalog, study_id: str) -> None:
    escalation = catalog.study(study_id).spec.escalation
    assert DltDefinition.from_mapping(escalation.dlt_definition_mapping()) == standard(escalation.dlt_window_days)
    assert escalation.dlt.assumption is not None and "Replace with the protocol's" in escalation.dlt.assumption


def test_the_mapping_leaves_out_assumptions_and_absent_keys(catalog: Catalog) -> None:
    mapping = catalog.study("ic19").spec.escalation.dlt_definition_mapping()
    assert "assumption" not in mapping and "window_days" in mapping
    icans = next(rule for rule in mapping["exceptions"] if rule["id"] == "icans_g3")
    assert icans == {"id": "icans_g3", "event_class": "ICANS", "grades": [3], "max_days_to_improve": 7,
                     "max_days_to_baseline": 28, "max_duration_days": 7, "reference": icans["reference"]}
    general = next(rule for rule in mapping["persistence"] if rule["id"] == "grade3_not_improved_7d")
    assert "event_class" not in general  # the general rule: no class


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
