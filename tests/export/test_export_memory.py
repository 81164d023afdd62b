"""The export's memory is bounded by a chunk of subjects, not by the study: four times the subjects, about the
same tracemalloc peak (issue 20). Not timed; DM and VS only (VS: ~130 rows a subject) so it stays short.

Chunks give the bytes of one chunk: from the bench's synthetic reader, and from the database reader, which
reads each chunk of subjects when it is mapped (a small relmacel demo, one subject at each of its three sites,
on each backend).
"""

from __future__ import annotations

import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from bench.export_sdtm import CREATED, SyntheticStudy
from edc.app.exports.submission import export_study
from edc.config import forms_dir
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.loader import load_catalog
from edc.definitions.sdtm.model import SpecSet
from edc.demo import populate
from edc.demo.plan import DESIGNS, TrialDesign
from edc.export.run import ExportResult, export_submission

sys.path.insert(0, str(Path(__file__).parents[1] / "demo"))
from demo_env import TODAY, DemoEnv, demo_env

#: Two treated subjects and a screen failure, screened in turn at sites 01, 02 and 03.
SMALL_CAST = TrialDesign((60, 40), ("DL1", "DL1"), ("SLE", "SLE"), (("EXC09", "SLE", 20),))


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


@pytest.fixture
def demo(db_url: str, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoEnv]:
    monkeypatch.setitem(DESIGNS, "relmacel", SMALL_CAST)
    env = demo_env(db_url, catalog)
    populate(env.engine, Catalog.of([catalog.study("relmacel")]), actor_for=env.actor_for, today=TODAY)
    yield env
    env.engine.dispose()


def test_a_database_export_in_chunks_of_one_subject_writes_the_bytes_of_one_chunk(demo: DemoEnv,
                                                                                  tmp_path: Path) -> None:
    study = demo.catalog.study("relmacel")
    records_read: list[str] = []
    event.listen(demo.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: records_read.append(statement)
                 if statement.startswith("SELECT form_records.") else None)

    one = export_study(demo.engine, study, tmp_path / "one", created=CREATED, chunk_subjects=1)
    per_subject, records_read[:] = [_subjects_named(s) for s in records_read], []
    whole = export_study(demo.engine, study, tmp_path / "whole", created=CREATED, chunk_subjects=100)

    assert one.rows["DM"] == 3 and one.rows["VS"] > 3 and one.rows["SUPPAE"] > 0
    _same_files(one, whole)
    assert per_subject and set(per_subject) == {1}  # every read of records was for one subject's
    assert {_subjects_named(s) for s in records_read} == {3}  # and of all three at once with one chunk
    site = demo.sites[("relmacel", "02")]
    own = export_study(demo.engine, study, tmp_path / "own", created=CREATED, chunk_subjects=1, site_ids={site})
    _same_files(own, export_study(demo.engine, study, tmp_path / "own-whole", created=CREATED, site_ids={site}))
    assert own.rows["DM"] == 1 and "-02-" in (tmp_path / "own" / "dm.csv").read_text().splitlines()[1]


def _subjects_named(statement: str) -> int:
    """How many subject ids a records query lists (`subject_id IN (a, b) AND form_id...`; the placeholders differ
    by driver)."""
    listed = statement.split("form_records.subject_id IN (", 1)[1].split(" AND ", 1)[0]
    return listed.count(",") + 1


def _same_files(one: ExportResult, other: ExportResult) -> None:
    assert [path.name for path in one.files] == [path.name for path in other.files] and one.rows == other.rows
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one.files, other.files, strict=True))
