"""`export_submission`: one dataset at a time through a staging directory, every file or none.

The subjects are those of test_mapping (relmacel: a screen failure, a treated
subject with three AEs, one never infused, one who died of an ICANS DLT),
mapped by DM, AE and SUPPAE only, so new specs elsewhere do not move these
tests; a hand-built TA stands for the trial design datasets.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from test_mapping import CREATED, SCREEN_FAILURE, SUBJECTS, TREATED, ae

from edc.config import project_root
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.sdtm.loader import load_specs
from edc.definitions.sdtm.model import SpecSet
from edc.export.formats.metadata import Dataset, DatasetClass, DataType, Origin, OriginType, Role, Variable
from edc.export.run import (
    ExportResult,
    Progress,
    SubjectReader,
    dataset_order,
    export_submission,
)
from edc.export.sdtm.failures import Failure, SubmissionInvalid
from edc.export.sdtm.subjectdata import CapturedRecord, SubjectData

NAMES = ("DM", "AE", "SUPPAE")
TA = Dataset("TA", "Trial Arms", DatasetClass.TRIAL_DESIGN, "One record per planned Element per Arm", (
    Variable("STUDYID", "Study Identifier", DataType.TEXT, Role.IDENTIFIER, Origin(OriginType.ASSIGNED), length=20,
             mandatory=True, key_sequence=1),
    Variable("DOMAIN", "Domain Abbreviation", DataType.TEXT, Role.IDENTIFIER, Origin(OriginType.ASSIGNED), length=2,
             mandatory=True),
    Variable("ARMCD", "Planned Arm Code", DataType.TEXT, Role.TOPIC, Origin(OriginType.PROTOCOL), length=8,
             mandatory=True, key_sequence=2),
), domain="TA", repeating=False, reference_data=True)
TA_ROWS = [{"STUDYID": "JWCAR029012", "DOMAIN": "TA", "ARMCD": "DL1"}]


@pytest.fixture(scope="module")
def study(catalog: Catalog) -> StudyDefinition:
    return catalog.study("relmacel")


@pytest.fixture(scope="module")
def specs(study: StudyDefinition) -> SpecSet:
    loaded = load_specs(project_root() / "exports", study)
    return SpecSet(loaded.study_id, {name: loaded[name] for name in NAMES})


def export(study: StudyDefinition, specs: SpecSet, out: Path, read: SubjectReader | None = None,
           **options: object) -> ExportResult:
    return export_submission(study, specs, read or (lambda forms: SUBJECTS), out, created=CREATED,
                             **options)  # type: ignore[arg-type]


def refused(study: StudyDefinition, specs: SpecSet, out: Path, read: SubjectReader,
            **options: object) -> list[Failure]:
    """The failures of an export that must be refused, after checking it left `out` as it was."""
    out.mkdir()
    (out / "earlier.txt").write_text("an earlier file")
    with pytest.raises(SubmissionInvalid) as raised:
        export(study, specs, out, read, **options)
    assert [path.name for path in out.iterdir()] == ["earlier.txt"]
    return list(raised.value.failures)


def with_records(subject: SubjectData, **records: Sequence[CapturedRecord]) -> SubjectData:
    return replace(subject, records={**subject.records, **records})


def test_every_format_and_define_xml_are_written_with_the_rows_per_dataset(
        study: StudyDefinition, specs: SpecSet, tmp_path: Path) -> None:
    reads: list[frozenset[str]] = []
    events: list[Progress] = []

    def read(forms: frozenset[str]) -> list[SubjectData]:
        reads.append(forms)
        return SUBJECTS

    result = export(study, specs, tmp_path / "out", read, extra=[(TA, TA_ROWS)], progress=events.append)

    names = ["dm", "ae", "suppae", "ta"]
    expected = [f"{name}.{ext}" for name in names for ext in ("xpt", "json", "csv")] + ["define.xml"]
    assert [path.name for path in result.files] == expected
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == sorted(expected)  # no staging left
    assert dict(result.rows) == {"DM": 4, "AE": 4, "SUPPAE": 16, "TA": 1}
    assert reads == [specs.forms_of(name) for name in NAMES]  # one read per dataset, of its forms only
    assert events == [Progress(name, step, done, 4) for index, name in enumerate([*NAMES, "TA"])
                      for step, done in (("mapped", index), ("validated", index), ("written", index + 1))]
    define = ET.parse(tmp_path / "out" / "define.xml").getroot()
    groups = [e.get("Name") for e in define.iter("{http://www.cdisc.org/ns/odm/v1.3}ItemGroupDef")]
    assert groups == [*NAMES, "TA"]
    assert define.find(".//{http://www.cdisc.org/ns/odm/v1.3}StudyName").text == "JWCAR029012"  # type: ignore[union-attr]


def test_the_same_data_give_the_same_bytes(study: StudyDefinition, specs: SpecSet, tmp_path: Path) -> None:
    first = export(study, specs, tmp_path / "first", extra=[(TA, TA_ROWS)])
    second = export(study, specs, tmp_path / "second", lambda forms: list(reversed(SUBJECTS)),
                    extra=[(TA, TA_ROWS)])
    assert [path.name for path in first.files] == [path.name for path in second.files]
    for one, other in zip(first.files, second.files, strict=True):
        assert one.read_bytes() == other.read_bytes(), one.name


def test_formats_are_chosen_and_empty_datasets_not_written(
        study: StudyDefinition, specs: SpecSet, tmp_path: Path) -> None:
    events: list[Progress] = []
    result = export(study, specs, tmp_path, lambda forms: [SCREEN_FAILURE], formats=["json"],
                    progress=events.append)
    assert [path.name for path in result.files] == ["dm.json", "define.xml"]
    assert dict(result.rows) == {"DM": 1, "AE": 0, "SUPPAE": 0}
    assert events[3:] == [Progress("AE", "mapped", 2, 3), Progress("SUPPAE", "mapped", 3, 3)]
    with pytest.raises(ValueError, match="unknown export format"):
        export(study, specs, tmp_path, formats=["sas"])


def test_a_subject_missing_from_dm_is_refused_and_nothing_is_written(
        study: StudyDefinition, specs: SpecSet, tmp_path: Path) -> None:
    def read(forms: frozenset[str]) -> list[SubjectData]:
        # DM's read loses the treated subject; AE's still has them
        return [s for s in SUBJECTS if s is not TREATED or forms != specs.forms_of("DM")]

    failures = refused(study, specs, tmp_path / "out", read)
    assert ("AE", "USUBJID", "JWCAR029012-01-002", "JWCAR029012-01-002") in located(failures)
    assert "AE.USUBJID row 1 (JWCAR029012-01-002): 'JWCAR029012-01-002' is not a subject in DM" in map(str, failures)


def test_an_impossible_date_is_refused_naming_domain_variable_subject_and_value(
        study: StudyDefinition, specs: SpecSet, tmp_path: Path) -> None:
    broken = with_records(TREATED, informed_consent=[CapturedRecord({"icdat": "2026-02-30"})])
    subjects = [broken if s is TREATED else s for s in SUBJECTS]

    failures = refused(study, specs, tmp_path / "out", lambda forms: subjects)
    assert located(failures) == [("DM", "RFICDTC", "JWCAR029012-01-002", "2026-02-30")]
    assert "is not an ISO 8601 date" in failures[0].message


def test_what_a_writer_refuses_is_a_failure_too(study: StudyDefinition, specs: SpecSet, tmp_path: Path) -> None:
    fever = with_records(TREATED, adverse_events=[ae("1", "Fièvre", date(2026, 2, 12), end=date(2026, 2, 13))])
    subjects = [fever if s is TREATED else s for s in SUBJECTS]

    failures = refused(study, specs, tmp_path / "out", lambda forms: subjects, formats=["csv", "xpt"])
    assert located(failures) == [("AE", "AETERM", "JWCAR029012-01-002", None)]
    assert str(failures[0]).startswith("AE.AETERM row 1 (JWCAR029012-01-002): cannot be written as XPT: 'è'")


def test_failures_in_chunks_of_one_subject_are_those_of_one_chunk_numbered_in_the_dataset(
        study: StudyDefinition, specs: SpecSet, tmp_path: Path) -> None:
    broken = with_records(TREATED, informed_consent=[CapturedRecord({"icdat": "2026-02-30"})],
                          adverse_events=[ae("1", "Fièvre", date(2026, 2, 12), end=date(2026, 2, 13))])
    subjects = [broken if s is TREATED else s for s in SUBJECTS]

    whole = refused(study, specs, tmp_path / "whole", lambda forms: subjects, formats=["csv", "xpt"])
    chunked = refused(study, specs, tmp_path / "chunked", lambda forms: subjects, formats=["csv", "xpt"],
                      chunk_subjects=1)

    assert chunked == whole
    assert [(f.domain, f.variable, f.row) for f in chunked] == [("DM", "RFICDTC", 2), ("AE", "AETERM", 1)]


def test_a_dataset_in_chunks_reports_each_chunk_and_is_done_with_its_last(
        study: StudyDefinition, specs: SpecSet, tmp_path: Path) -> None:
    events: list[Progress] = []
    export(study, specs, tmp_path, formats=["csv"], progress=events.append, chunk_subjects=2)

    dm = [(event.step, event.done) for event in events if event.dataset == "DM"]
    assert dm == [("mapped", 0), ("validated", 0), ("written", 0), ("mapped", 0), ("validated", 0), ("written", 1)]
    assert events[-1] == Progress("SUPPAE", "written", 3, 3)


def test_dm_comes_first_and_every_supp_after_its_parent(study: StudyDefinition) -> None:
    loaded = load_specs(project_root() / "exports", study)
    order = dataset_order(loaded)
    assert order[0] == "DM"
    for name in order:
        parent = loaded[name].spec.dataset.parent
        if parent is not None:
            assert order.index(name) > order.index(parent)
            assert all(loaded[between].spec.dataset.parent == parent
                       for between in order[order.index(parent) + 1:order.index(name)])


def located(failures: list[Failure]) -> list[tuple[str, str | None, str | None, object]]:
    return [(failure.domain, failure.variable, failure.usubjid, failure.value) for failure in failures]
