"""`edc demo`, then `edc export sdtm` for each of the four trials, every file checked on its own terms.

The demo of all four trials is the session's shared SQLite database (the
demo tests check it; the export reads the same SQL on PostgreSQL, where
`test_export_reader` runs it). For each trial
the export must write every domain the demo has data for in XPT, Dataset-JSON
and CSV plus define.xml, and the files must agree: Dataset-JSON valid against
the schema and against the pandera checks, XPT read back equal to it, CSV
too, define.xml valid against CDISC's XSD and naming exactly the datasets and
columns written.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from importlib import resources
from pathlib import Path

import pyreadstat
import pytest
from click.testing import CliRunner
from lxml import etree

from edc import cli
from edc.definitions.catalog import Catalog
from edc.export.formats.datasetjson import schema_problems

sys.path.insert(0, str(Path(__file__).parents[1] / "demo"))
from demo_env import shared_sqlite_demo

TRIALS = ("relmacel", "rd0604", "ic19", "cnct19")
ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
DEF = "{http://www.cdisc.org/ns/def/v2.1}"
# Every dataset the export makes: the demo of every trial has data for each (IE from its screen failures),
# PR and BS where the trial collects a leukapheresis (IC19's allogeneic product needs none). The demo has no
# deaths, so no DD.
EVERY_TRIAL = {"DM", "DS", "IE", "EX", "EC", "AE", "SUPPAE", "FA", "RELREC", "LB", "VS", "EG", "CV", "IS", "RS", "QS",
               "CM", "MH", "SC", "RP", "SV", "TS", "TA", "TE", "TV", "TI"}
LEUKAPHERESIS = {"relmacel", "rd0604", "cnct19"}


@pytest.fixture(scope="module")
def demo_url(catalog: Catalog) -> str:
    """The session's demo database (`edc demo` runs `populate` on it) for all four trials."""
    env, _ = shared_sqlite_demo(catalog)
    return env.engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def define_schema() -> etree.XMLSchema:
    xsd = resources.files("defineutils") / "validate/schema/cdisc-define-2.1/define2-1-0.xsd"
    return etree.XMLSchema(etree.parse(str(xsd)))


@pytest.fixture(scope="module", params=TRIALS)
def exported(request: pytest.FixtureRequest, demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(f"sdtm-{request.param}-")
    result = CliRunner().invoke(cli.main, ["export", "sdtm", "--study", request.param, "--out", str(out),
                                           "--url", demo_url])
    assert result.exit_code == 0, result.output
    return out


def datasets(out: Path) -> set[str]:
    return {path.stem.upper() for path in out.glob("*.json")}


def test_every_domain_is_written_in_every_format(exported: Path) -> None:
    written = datasets(exported)
    expected = EVERY_TRIAL | ({"PR", "BS"} if exported.name.split("-")[1] in LEUKAPHERESIS else set())
    assert written == expected, sorted(expected ^ written)
    for name in written:
        assert {(exported / f"{name.lower()}.{ext}").is_file() for ext in ("xpt", "csv")} == {True}
    assert not list(exported.glob(".staging*"))


def test_dataset_json_is_schema_valid_and_xpt_and_csv_hold_the_same_rows(exported: Path) -> None:
    for name in sorted(datasets(exported)):
        document = json.loads((exported / f"{name.lower()}.json").read_text())
        assert schema_problems(document) == [], name
        columns = [column["name"] for column in document["columns"]]
        rows = [dict(zip(columns, row, strict=True)) for row in document["rows"]]
        assert document["records"] == len(rows) > 0, name
        frame, _ = pyreadstat.read_xport(str(exported / f"{name.lower()}.xpt"))
        assert list(frame.columns) == columns, name
        assert [_cells(r) for r in frame.to_dict("records")] == [_cells(r) for r in rows], name
        with (exported / f"{name.lower()}.csv").open(newline="") as handle:
            assert [_cells(r) for r in csv.DictReader(handle)] == [_cells(r) for r in rows], name


def _cells(row: dict[str, object]) -> dict[str, str]:
    """One row as comparable text: numbers without a trailing .0, missing values empty."""
    cells = {}
    for name, value in row.items():
        if value is None or value != value:  # None or NaN
            text = ""
        elif isinstance(value, float):
            text = str(int(value)) if value.is_integer() else repr(value)
        else:
            text = str(value)
            try:
                number = float(text)
                text = str(int(number)) if number.is_integer() and "." in text else text
            except ValueError:
                pass
        cells[name] = text
    return cells


def test_define_xml_is_valid_and_describes_exactly_the_datasets_written(exported: Path,
                                                                       define_schema: etree.XMLSchema) -> None:
    define = etree.parse(str(exported / "define.xml"))
    assert define_schema.validate(define), define_schema.error_log
    groups = {group.get("Name"): group for group in define.iter(f"{ODM}ItemGroupDef")}
    assert set(groups) == datasets(exported)
    for name, group in groups.items():
        columns = [column["name"] for column in json.loads((exported / f"{name.lower()}.json").read_text())["columns"]]
        refs = [ref.get("ItemOID") for ref in group.iter(f"{ODM}ItemRef")]
        assert refs == [f"IT.{name}.{column}" for column in columns], name
        leaf = group.find(f"{DEF}leaf")
        assert leaf is not None and leaf.get("{http://www.w3.org/1999/xlink}href") == f"{name.lower()}.xpt"


def test_value_level_metadata_covers_the_test_codes_and_qualifiers_written(exported: Path) -> None:
    define = etree.parse(str(exported / "define.xml"))
    value_lists = {vl.get("OID"): {ref.get("ItemOID") for ref in vl.iter(f"{ODM}ItemRef")}
                   for vl in define.iter(f"{DEF}ValueListDef")}
    for name in ("LB", "RS", "VS", "QS", "FA", "SC", "RP", *(("BS",) if (exported / "bs.csv").exists() else ())):
        written = {row[f"{name}TESTCD"] for row in _rows(exported, name)}
        assert {f"IT.{name}.{name}ORRES.{code}" for code in written} <= value_lists[f"VL.{name}.{name}ORRES"], name
    qnams = {row["QNAM"] for row in _rows(exported, "SUPPAE")}
    assert {f"IT.SUPPAE.QVAL.{qnam}" for qnam in qnams} <= value_lists["VL.SUPPAE.QVAL"]
    clauses = {clause.get("OID") for clause in define.iter(f"{DEF}WhereClauseDef")}
    assert {"WC.AE.AETOXGR.ASTCT", "WC.AE.AETOXGR.CTCAE"} <= clauses


def test_findings_have_tests_baseline_flags_and_study_days(exported: Path) -> None:
    lb = _rows(exported, "LB")
    assert {row["LBTESTCD"] for row in lb} >= {"ALT", "HGB", "PLAT"}
    assert all(row["LBTEST"] and len(str(row["LBTEST"])) <= 40 for row in lb)
    flagged = [row for row in lb if row["LBLOBXFL"] == "Y"]
    assert flagged and all(row["LBDY"] is not None and row["LBDY"] < 0 for row in flagged)
    assert all(row["LBDY"] != 0 for row in lb)
    rs = _rows(exported, "RS")
    assert any(row["RSDRVFL"] == "Y" for row in rs) and any(row["RSDRVFL"] in ("", None) for row in rs)


def test_fa_components_belong_to_crs_and_icans_aes_each_group_tied_to_it_by_relrec(exported: Path) -> None:
    ae = {(row["USUBJID"], row["AESPID"]): row for row in _rows(exported, "AE")}
    fa = _rows(exported, "FA")
    groups = {(row["USUBJID"], row["FASPID"]) for row in fa}
    assert groups and groups <= set(ae)
    assert all(row["FAOBJ"] == ae[(row["USUBJID"], row["FASPID"])]["AEDECOD"] for row in fa)
    assert all(row["FACAT"] == ae[(row["USUBJID"], row["FASPID"])]["AECAT"] for row in fa)
    assert {ae[key]["AECAT"] for key in groups} <= {"CRS", "ICANS"}
    relations: dict[tuple[object, object], set[tuple[object, object, object]]] = {}
    for row in _rows(exported, "RELREC"):
        relations.setdefault((row["USUBJID"], row["RELID"]), set()).add((row["RDOMAIN"], row["IDVAR"], row["IDVARVAL"]))
    expected = {frozenset({("AE", "AESEQ", str(ae[key]["AESEQ"])), ("FA", "FASPID", key[1])}) for key in groups}
    assert {frozenset(related) for related in relations.values()} == expected


def test_subjects_dates_and_visits_are_consistent_across_domains(exported: Path) -> None:
    dm = {row["USUBJID"]: row for row in _rows(exported, "DM")}
    for name in datasets(exported) - {"DM", "TS", "TA", "TE", "TV", "TI"}:
        assert {row["USUBJID"] for row in _rows(exported, name)} <= set(dm), name
    tv = {row["VISITNUM"]: row["VISIT"] for row in _rows(exported, "TV")}
    for row in _rows(exported, "SV"):
        assert row["VISITNUM"] > 900 or tv[row["VISITNUM"]] == row["VISIT"]
    ex = [row for row in _rows(exported, "EX") if row["EXCAT"] == "CAR-T"]
    assert ex and all(row["EXSTDTC"] == dm[row["USUBJID"]]["RFSTDTC"] for row in ex)
    assert all(date.fromisoformat(str(row["EXSTDTC"])[:10]) for row in ex)


def _rows(out: Path, name: str) -> list[dict[str, object]]:
    document = json.loads((out / f"{name.lower()}.json").read_text())
    columns = [column["name"] for column in document["columns"]]
    return [dict(zip(columns, row, strict=True)) for row in document["rows"]]


@pytest.fixture(scope="module")
def cnct19_export(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sdtm-cnct19-instruments")
    result = CliRunner().invoke(cli.main, ["export", "sdtm", "--study", "cnct19", "--out", str(out),
                                           "--url", demo_url])
    assert result.exit_code == 0, result.output
    return out


def test_cnct19_exports_each_indications_instruments_to_rs(cnct19_export: Path) -> None:
    """BVAS v3 (AAV), MMT-8 and MDAAT (DM) reach RS with their categories and derived totals, and each subject's
    activity instruments are those of their cohort: no SLEDAI for the vasculitis or myositis subjects."""
    rs = _rows(cnct19_export, "RS")
    by_cat: dict[str, set[str]] = {}
    for row in rs:
        by_cat.setdefault(str(row["RSCAT"]), set()).add(str(row["USUBJID"]))
    assert {"BVAS V3", "MMT-8", "MDAAT", "SLEDAI"} <= by_cat.keys()
    assert not by_cat["BVAS V3"] & by_cat["SLEDAI"] and not by_cat["MMT-8"] & by_cat["SLEDAI"]
    totals = {row["RSTESTCD"]: row for row in rs if row["RSTESTCD"] in ("BVASTOT", "MMT8TOT", "MYOACTOT")}
    assert totals.keys() == {"BVASTOT", "MMT8TOT", "MYOACTOT"}
    assert all(row["RSDRVFL"] == "Y" for row in totals.values())
    assert next(row for row in rs if row["RSTESTCD"] == "MYOACT05")["RSORRESU"] == "cm"
