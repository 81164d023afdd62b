"""The data dictionary: every item of every trial with what defines it, as CSV, a filterable workbook, the CLI."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from edc.definitions.catalog import Catalog
from edc.definitions.model import ScoreCalc
from edc.export.dictionary import ITEM_COLUMNS, TABLES, dictionary, items_table, table
from edc.export.dictionary_files import csv_text, write_xlsx


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_items_table_lists_every_item_of_every_form_of_every_trial(catalog: Catalog) -> None:
    assert len(catalog.studies) == 4
    for study in catalog.studies.values():
        expected = [(form.id, item.name) for form in study.forms.values() for item in form.items]
        rows = csv_rows(csv_text(items_table(study)))
        assert sorted((r["form"], r["item"]) for r in rows) == sorted(expected), study.id
        assert {r["study"] for r in rows} == {study.id}


def test_an_item_row_carries_its_definition(catalog: Catalog) -> None:
    for study in catalog.studies.values():
        rows = {(r["form"], r["item"]): r for r in csv_rows(csv_text(items_table(study)))}
        for form in study.forms.values():
            checks = {c.item: c.id for c in form.checks if c.item}
            for item in form.items:
                row = rows[(form.id, item.name)]
                assert (row["label"], row["type"], row["unit"], row["codelist"]) == (
                    item.label, item.type, item.unit or "", item.codelist or "")
                assert row["skip_logic"] == (item.when or "")
                if item.calc is not None:
                    expected = item.calc.score if isinstance(item.calc, ScoreCalc) else item.calc
                    assert expected in row["calculation"]
                if item.name in checks:
                    assert checks[item.name] in row["edit_checks"].split("; ")
                if item.range is not None and item.range.max is not None:
                    assert float(row["range_max"]) == item.range.max
                for other in item.other_units:
                    assert f"1 {other.unit} = " in row["other_units"]
                if item.sdtm is not None and item.sdtm.testcd is not None:
                    assert row["sdtm_testcd"] == item.sdtm.testcd


def test_the_sdtm_specs_mapping_and_the_per_cohort_forms_are_listed(catalog: Catalog) -> None:
    relmacel = catalog.study("relmacel")
    items = {(r["form"], r["item"]): r for r in csv_rows(csv_text(items_table(relmacel)))}
    assert "AE.AETERM" in items[("adverse_events", "aeterm")]["sdtm_mapped"].split("; ")
    restricted = [(s, f, block) for s in catalog.studies.values() for f in s.forms
                  for block in s.collected_for(f).values() if block]
    assert restricted, "a trial collects some forms for some cohorts only"
    for study, form_id, cohorts in restricted:
        forms = {r["form"]: r for r in csv_rows(csv_text(table(study, "forms")))}
        assert f"[{', '.join(cohorts)}]" in forms[form_id]["collected_at"]
    converted = [r for r in items.values() if r["other_units"]]
    assert converted and all(r["unit"] for r in converted)


def test_the_rules_table_holds_every_edit_check_and_criterion(catalog: Catalog) -> None:
    for study in catalog.studies.values():
        rows = csv_rows(csv_text(table(study, "rules")))
        checks = sorted((f.id, c.id) for f in study.forms.values() for c in f.checks)
        assert sorted((r["form"], r["rule"]) for r in rows if r["kind"] == "edit_check") == checks
        criteria = [c.id for c in study.spec.eligibility.criteria]
        assert [r["rule"] for r in rows if r["kind"] in ("inclusion", "exclusion")] == criteria
        terms = csv_rows(csv_text(table(study, "codelists")))
        assert len(terms) == sum(len(cl.values) for cl in study.codelists.values())


def test_the_workbook_has_a_filterable_sheet_per_table(catalog: Catalog, tmp_path: Path) -> None:
    study = catalog.study("cnct19")
    path = tmp_path / "dictionary.xlsx"
    write_xlsx(dictionary(study), path)
    book = load_workbook(path)
    assert book.sheetnames == list(TABLES)
    for name in TABLES:
        sheet, expected = book[name], table(study, name)
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(expected.columns)).column_letter}" \
                                        f"{len(expected.rows) + 1}"
        assert [c.value for c in sheet[1]] == list(expected.columns)
        assert sheet.max_row == len(expected.rows) + 1
    items = book["items"]
    column = ITEM_COLUMNS.index("item") + 1
    names = {items.cell(row, column).value for row in range(2, items.max_row + 1)}
    assert names == {i.name for f in study.forms.values() for i in f.items}


def test_the_cli_writes_the_workbook_and_a_csv(forms_root: Path, tmp_path: Path, catalog: Catalog) -> None:
    env = {**os.environ, "EDC_FORMS_DIR": str(forms_root)}
    edc = [sys.executable, "-m", "edc", "export", "dictionary", "--study", "ic19"]
    book = subprocess.run([*edc, "--out", str(tmp_path / "out" / "ic19.xlsx")], capture_output=True, text=True,
                          timeout=120, env=env)
    assert book.returncode == 0, book.stderr
    assert load_workbook(tmp_path / "out" / "ic19.xlsx").sheetnames == list(TABLES)
    terms = subprocess.run([*edc, "--out", str(tmp_path / "terms.csv"), "--format", "csv", "--table", "codelists"],
                           capture_output=True, text=True, timeout=120, env=env)
    assert terms.returncode == 0, terms.stderr
    assert (tmp_path / "terms.csv").read_bytes().decode("utf-8") == csv_text(table(catalog.study("ic19"), "codelists"))
    unknown = subprocess.run([*edc[:-1], "nosuch", "--out", str(tmp_path / "x.csv")], capture_output=True,
                             text=True, timeout=120, env=env)
    assert unknown.returncode == 1 and "no study 'nosuch'" in unknown.stderr and "Traceback" not in unknown.stderr
