"""`import_odm`: the ODM export of the demo imported into an empty database of the same definitions exports the same
ClinicalData; a re-import stores nothing; a bad file is refused whole with every problem and its line; a
site-restricted data manager imports only into their sites; a foreign system's OIDs through a mapping file.

The source is the session's shared SQLite demo (tests/demo/demo_env.py); the target is a fresh database of each
backend (SQLite and PostgreSQL), its subjects screened and scheduled through the services (the import creates
neither, see `edc.app.interchange.service`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import func, insert, select

from edc import cli
from edc.app.interchange.service import ImportSummary, import_odm
from edc.app.kernel.errors import ImportRefused
from edc.app.records.service import read_record
from edc.db.core import FormRecord, RoleAssignment, Subject, User
from edc.db.trail import AuditEvent
from edc.definitions.catalog import Catalog
from edc.export.odm.mapping import MappingInvalid, load_mapping

sys.path.insert(0, str(Path(__file__).parents[1] / "demo"))
sys.path.insert(0, str(Path(__file__).parent))
from demo_env import DemoEnv, demo_env, shared_sqlite_demo
from odm_import_env import IMPORTED_AT, ODM, clinical_data, copy_subjects, data_manager, odm_bytes

STUDY = "ic19"


@pytest.fixture(scope="module")
def source(catalog: Catalog) -> DemoEnv:
    env, _ = shared_sqlite_demo(catalog)
    return env


@pytest.fixture(scope="module")
def exported(source: DemoEnv, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return odm_bytes(source, source.catalog.studies[STUDY], tmp_path_factory.mktemp("odm"), "ic19.xml")


@pytest.fixture
def target(db_url: str, catalog: Catalog, source: DemoEnv) -> DemoEnv:
    env = demo_env(db_url, catalog)
    assert copy_subjects(source, env, catalog.studies[STUDY]) > 0
    yield env
    env.engine.dispose()


def run_import(env: DemoEnv, data: bytes, name: str = "ic19.xml") -> ImportSummary:
    with env.engine.begin() as conn:
        return import_odm(conn, env.catalog.studies[STUDY], data_manager(env), data, file_name=name,
                          now=IMPORTED_AT)


def counts(env: DemoEnv) -> tuple[int, int]:
    with env.engine.connect() as conn:
        return (int(conn.scalar(select(func.count()).select_from(FormRecord)) or 0),
                int(conn.scalar(select(func.count()).select_from(AuditEvent)) or 0))


def test_round_trip_exports_the_same_clinical_data(source: DemoEnv, target: DemoEnv, exported: bytes,
                                                   tmp_path: Path) -> None:
    summary = run_import(target, exported)
    assert summary.created > 0 and summary.corrected == summary.unchanged == 0
    again = odm_bytes(target, target.catalog.studies[STUDY], tmp_path, "again.xml")
    assert clinical_data(again) == clinical_data(exported)
    stored = counts(target)
    repeated = run_import(target, exported)
    assert repeated.created == repeated.corrected == 0 and repeated.unchanged == summary.created
    assert counts(target) == stored, "a re-import stores nothing, not even an audit event"


def first_key(env: DemoEnv) -> str:
    with env.engine.connect() as conn:
        number = conn.scalar(select(Subject.subject_number).where(Subject.study_id == STUDY)
                             .order_by(Subject.subject_number))
    return f"01-{number}"


def spoiled(data: bytes) -> tuple[bytes, dict[str, int]]:
    """`data` with an unknown item, a bad value and a subject of an unknown site; the lines of each."""
    root = etree.fromstring(data)
    items = [i for i in root.iter(f"{ODM}ItemData") if i.get("ItemOID") == "I.demographics.age"]
    items[0].set("ItemOID", "I.demographics.nosuch")
    items[1].set("Value", "forty")
    subjects = list(root.iter(f"{ODM}SubjectData"))
    subjects[-1].set("SubjectKey", "77-77-001")
    subjects[-1].find(f"{ODM}SiteRef").set("LocationOID", "LOC.77")  # type: ignore[union-attr]
    out = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    again = etree.fromstring(out)
    ages = [i.sourceline for i in again.iter(f"{ODM}ItemData") if i.get("ItemOID") == "I.demographics.age"]
    lines = {"unknown": next(i.sourceline for i in again.iter(f"{ODM}ItemData")
                             if i.get("ItemOID") == "I.demographics.nosuch"),
             "value": ages[0], "subject": list(again.iter(f"{ODM}SubjectData"))[-1].sourceline}
    return out, {k: int(v or 0) for k, v in lines.items()}


def test_a_bad_file_is_refused_whole_with_every_problem_and_its_line(target: DemoEnv, exported: bytes) -> None:
    data, lines = spoiled(exported)
    before = counts(target)
    with pytest.raises(ImportRefused) as refused:
        run_import(target, data)
    problems = {(p.line, p.message) for p in refused.value.problems}
    assert (lines["unknown"], "form F.demographics has no item I.demographics.nosuch") in problems
    assert any(line == lines["value"] and message.startswith("age: must be a whole number") for line, message
               in problems), problems
    assert any(line == lines["subject"] and message.startswith("no subject 77-77-001") for line, message
               in problems), problems
    assert counts(target) == before, "a refused import stores nothing"
    with pytest.raises(ImportRefused) as invalid:
        run_import(target, exported.replace(b"<SiteRef", b"<Bogus/><SiteRef", 1))
    assert invalid.value.problems[0].message.startswith("Element '{http://www.cdisc.org/ns/odm/v1.3}Bogus'")
    assert invalid.value.problems[0].line == exported[:exported.index(b"<SiteRef")].count(b"\n") + 1
    assert counts(target) == before


def test_a_data_manager_of_another_site_imports_nothing(target: DemoEnv, exported: bytes) -> None:
    elsewhere = frozenset({next(i for (study, _), i in target.sites.items() if study != STUDY)})
    before = counts(target)
    with pytest.raises(ImportRefused) as refused, target.engine.begin() as conn:
        import_odm(conn, target.catalog.studies[STUDY], data_manager(target, elsewhere), exported,
                   file_name="ic19.xml", now=IMPORTED_AT)
    keys = {s.get("SubjectKey") for s in etree.fromstring(exported).iter(f"{ODM}SubjectData")}
    assert len(refused.value.problems) == len(keys)
    assert all(p.message.startswith("no subject ") for p in refused.value.problems)
    assert counts(target) == before


FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileOID="redcap.1" FileType="Snapshot" ODMVersion="1.3.2"
     CreationDateTime="2026-03-01T10:00:00">
  <ClinicalData StudyOID="Project.IC19" MetaDataVersionOID="Metadata.IC19_2026">
    <SubjectData SubjectKey="1001">
      <SiteRef LocationOID="DAG_ONE"/>
      <StudyEventData StudyEventOID="Event.screening_arm_1">
        <FormData FormOID="Form.demography">
          <ItemGroupData ItemGroupOID="demography.grp">
            <ItemData ItemOID="age_years" Value="44"/>
            <ItemData ItemOID="gender" Value="2"/>
            <ItemData ItemOID="race_cat" Value="5"/>
          </ItemGroupData>
        </FormData>
      </StudyEventData>
    </SubjectData>
  </ClinicalData>
</ODM>
"""

MAPPING = """study: Project.IC19
sites: {DAG_ONE: LOC.01}
subjects: {"1001": KEY}
study_events: {Event.screening_arm_1: SE.SCR}
forms: {Form.demography: F.demographics}
items: {age_years: I.demographics.age, gender: I.demographics.sex, race_cat: I.demographics.race}
codes:
  gender: {"1": M, "2": F}
  race_cat: {"5": WHITE}
"""


def test_a_foreign_file_imports_through_a_mapping(target: DemoEnv, tmp_path: Path) -> None:
    mapping_file = tmp_path / "redcap.yaml"
    mapping_file.write_text(MAPPING.replace("KEY", first_key(target)))
    with target.engine.begin() as conn:
        summary = import_odm(conn, target.catalog.studies[STUDY], data_manager(target), FOREIGN.encode(),
                             file_name="redcap.xml", mapping=load_mapping(mapping_file), now=IMPORTED_AT)
    assert (summary.subjects, summary.created) == (1, 1)
    with target.engine.connect() as conn:
        record_id = conn.scalar(select(FormRecord.id).where(FormRecord.form_id == "demographics"))
        values = read_record(conn, study=target.catalog.studies[STUDY], record_id=int(record_id or 0),
                             actor=data_manager(target)).values
        reason = conn.scalar(select(AuditEvent.reason).where(AuditEvent.record_id == record_id))
    assert (values["age"], values["sex"], values["race"]) == (44, "F", "WHITE")
    assert reason == "ODM import redcap.xml"
    broken = tmp_path / "broken.yaml"
    broken.write_text("forms:\n  F.a: F.b\nitems: [1, 2]\nvisits: {}\n")
    with pytest.raises(MappingInvalid) as invalid:
        load_mapping(broken)
    assert [str(p).split(": ")[0] for p in invalid.value.problems] == [f"{broken}:3", f"{broken}:4"]


def test_cli_imports_and_exits_non_zero_with_each_problem(target: DemoEnv, exported: bytes, tmp_path: Path) -> None:
    with target.engine.begin() as conn:
        conn.execute(insert(RoleAssignment).values(user_id=target.user_id, role="data_manager", study_id=STUDY,
                                                   site_id=None))
        username = conn.scalar(select(User.username).where(User.id == target.user_id))
    url = target.engine.url.render_as_string(hide_password=False)
    good, bad = tmp_path / "ic19.xml", tmp_path / "bad.xml"
    good.write_bytes(exported)
    bad.write_bytes(spoiled(exported)[0])
    base = ["import", "odm", "--study", STUDY, "--url", url]
    refused = CliRunner().invoke(cli.main, [*base, "--file", str(bad), "--user", str(username)])
    assert refused.exit_code == 1 and f"{bad}:" in refused.output and "nothing stored" in refused.output
    unknown = CliRunner().invoke(cli.main, [*base, "--file", str(good), "--user", "nobody"])
    assert unknown.exit_code == 1 and "no active user 'nobody'" in unknown.output
    done = CliRunner().invoke(cli.main, [*base, "--file", str(good), "--user", str(username)])
    assert done.exit_code == 0, done.output
    assert "record(s) created" in done.output and " 0 record(s) created" not in done.output
