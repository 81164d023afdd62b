"""The export specs in exports/: they load for every trial, and a broken spec reports every problem at file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edc.config import project_root
from edc.definitions.catalog import Catalog
from edc.definitions.problems import DefinitionErrors
from edc.definitions.sdtm.loader import check_specs, load_specs

EXPORTS = project_root() / "exports"


@pytest.mark.parametrize("study_id", ["cnct19", "ic19", "rd0604", "relmacel"])
def test_every_trial_loads_dm_ae_and_suppae(catalog: Catalog, study_id: str) -> None:
    specs = load_specs(EXPORTS, catalog.study(study_id))

    assert {"DM", "AE", "SUPPAE"} <= set(specs.domains)
    assert specs["SUPPAE"].spec.dataset.parent == "AE"


BROKEN = """\
dataset:
  name: AE
  label: Adverse Events
  class: EVENTS
  structure: One record per adverse event per subject
  form: adverse_events
  sort: [aespid]
variables:
  - {name: STUDYID, label: Study Identifier, type: text, length: 20, role: Identifier, origin: Protocol,
     key: 1, derive: studyid}
  - {name: AETERM, label: Reported Term, type: text, length: 200, role: Topic, origin: Collected,
     item: adverse_events.no_such_item}
  - {name: AETOXGRADE, label: Standard Toxicity Grade, type: text, length: 1, role: Record Qualifier,
     origin: Collected, item: adverse_events.aetoxgr, codelist: ctcae_grade}
  - {name: AESTDY, label: Study Day of Start, type: integer, role: Timing, origin: Derived,
     derive: study_daze, args: {of: AESTDTC}}
  - {name: AESER, label: Serious Event, type: text, length: 1, role: Record Qualifier, origin: Collected,
     item: adverse_events.aeser}
  - {name: AESTDTC, label: Start Date, type: integer, role: Timing, origin: Collected,
     item: adverse_events.aestdat}
  - {name: AETERM, label: A label far longer than forty characters allows, type: text, length: 200,
     role: Topic, origin: Collected, item: nosuchform.aeterm}
"""


def test_broken_spec_reports_every_problem_at_its_line(catalog: Catalog, tmp_path: Path) -> None:
    shutil.copy(EXPORTS / "dm.yaml", tmp_path / "dm.yaml")
    (tmp_path / "ae.yaml").write_text(BROKEN, encoding="utf-8")

    with pytest.raises(DefinitionErrors) as raised:
        load_specs(tmp_path, catalog.study("relmacel"))

    ae = str(tmp_path / "ae.yaml")
    found = {(p.line, p.message) for p in raised.value.problems if p.file == ae}
    assert (12, "form 'adverse_events' has no item 'no_such_item'") in found
    assert (13, "name 'AETOXGRADE' has 10 characters; SDTM allows at most 8") in found
    assert any(line == 16 and message.startswith("unknown derivation 'study_daze'") for line, message in found)
    assert (18, "item 'adverse_events.aeser' is coded (codelist 'ny'): name the codelist whose submission values "
                "the variable takes") in found
    assert (20, "item 'adverse_events.aestdat' is date; a variable of type integer cannot hold it") in found
    assert (21, "variable 'AETERM' is declared twice (first as variable 2)") in found
    assert (21, "label of 'AETERM' has 47 characters; SDTM allows at most 40") in found
    assert (22, "unknown form 'nosuchform' in study relmacel (write form.item)") in found
    assert len(found) == 8
    assert all(str(p).startswith(f"{ae}:") for p in raised.value.problems)


def test_a_trial_folder_overrides_the_shared_spec(catalog: Catalog, tmp_path: Path) -> None:
    for name in ("dm", "ae", "suppae"):
        shutil.copy(EXPORTS / f"{name}.yaml", tmp_path / f"{name}.yaml")
    (tmp_path / "ic19").mkdir()
    override = (EXPORTS / "dm.yaml").read_text(encoding="utf-8").replace("value: YEARS", "value: MONTHS")
    (tmp_path / "ic19" / "dm.yaml").write_text(override, encoding="utf-8")

    ic19 = load_specs(tmp_path, catalog.study("ic19"))
    relmacel = load_specs(tmp_path, catalog.study("relmacel"))

    assert ic19["DM"].file == str(tmp_path / "ic19" / "dm.yaml")
    assert ic19["DM"].variable("AGEU").value == "MONTHS"  # type: ignore[union-attr]
    assert relmacel["DM"].variable("AGEU").value == "YEARS"  # type: ignore[union-attr]


def test_derivations_check_what_they_are_derived_from(catalog: Catalog, tmp_path: Path) -> None:
    text = (EXPORTS / "dm.yaml").read_text(encoding="utf-8").replace(
        "derive: flag, args: {of: DTHDTC}", "derive: study_day, args: {of: SITEID}").replace(
        "value: YEARS", "derive: seq")
    (tmp_path / "dm.yaml").write_text(text, encoding="utf-8")

    _, problems = check_specs(tmp_path, catalog.study("ic19"))

    assert sorted(p.message for p in problems) == [
        "'study_day' needs a date or datetime variable; SITEID is text",
        "derivation 'seq' needs rows of a form ('form' in the dataset)",
    ]


def test_supp_qualifier_names_and_labels_are_checked(catalog: Catalog, tmp_path: Path) -> None:
    for name in ("dm", "ae"):
        shutil.copy(EXPORTS / f"{name}.yaml", tmp_path / f"{name}.yaml")
    text = (EXPORTS / "suppae.yaml").read_text(encoding="utf-8").replace("qnam: AEDLTADJ", "qnam: AEDLTADJUD")
    (tmp_path / "suppae.yaml").write_text(text, encoding="utf-8")

    _, problems = check_specs(tmp_path, catalog.study("cnct19"))

    assert [p.message for p in problems] == ["QNAM 'AEDLTADJUD' has 10 characters; at most 8"]
