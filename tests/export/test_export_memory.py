"""The export's memory is bounded by a chunk of subjects, not by the study: four times the subjects, about the
same tracemalloc peak (issue 20). Not timed; DM and VS only (VS: ~130 rows a subject) so it stays short."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from bench.export_sdtm import CREATED, SyntheticStudy
from edc.config import forms_dir
from edc.definitions.catalog import StudyDefinition
from edc.definitions.loader import load_catalog
from edc.definitions.sdtm.model import SpecSet
from edc.export.run import export_submission


@pytest.fixture(scope="module")
def relmacel() -> StudyDefinition:
    return load_catalog(forms_dir()).study("relmacel")


def _peak(study: StudyDefinition, subjects: int, out: Path) -> int:
    assert study.sdtm is not None
    specs = SpecSet(study.sdtm.study_id, {name: study.sdtm[name] for name in ("DM", "VS")}, study.sdtm.terminology)
    tracemalloc.start()
    try:
        result = export_submission(study, specs, SyntheticStudy(study, subjects), out, created=CREATED,
                                   chunk_subjects=2)
        assert result.rows["DM"] == subjects and result.rows["VS"] > 100 * subjects
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_four_times_the_subjects_keep_about_the_same_memory_peak(relmacel: StudyDefinition, tmp_path: Path) -> None:
    _peak(relmacel, 1, tmp_path / "warm")  # caches filled once (schemas, codelists), not counted

    small, large = _peak(relmacel, 2, tmp_path / "small"), _peak(relmacel, 8, tmp_path / "large")

    # every row held at once grew the peak ~3.7x from 2 to 8 subjects; one chunk at a time, ~1.1x
    assert large < 1.5 * small


def test_an_export_in_chunks_of_one_subject_writes_the_bytes_of_one_chunk(relmacel: StudyDefinition,
                                                                         tmp_path: Path) -> None:
    assert relmacel.sdtm is not None
    specs = SpecSet(relmacel.sdtm.study_id, {name: relmacel.sdtm[name] for name in ("DM", "AE", "SUPPAE", "VS")},
                    relmacel.sdtm.terminology)
    reader = SyntheticStudy(relmacel, 3)

    one = export_submission(relmacel, specs, reader, tmp_path / "one", created=CREATED, chunk_subjects=1)
    whole = export_submission(relmacel, specs, reader, tmp_path / "whole", created=CREATED, chunk_subjects=100)

    assert [path.name for path in one.files] == [path.name for path in whole.files]
    assert len(one.files) == 4 * 3 + 1 and one.rows == whole.rows
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one.files, whole.files, strict=True))
