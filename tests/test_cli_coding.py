"""`edc coding load|use|list` and `edc export sdtm --allow-uncoded`, in-process with CliRunner, on each backend.

A release loads from its distribution files, or not at all: every problem at its file and line, exit 1. A
study moved to another release keeps the decisions whose codes are codable there and re-opens the others, and
an export then lists the uncoded terms and refuses, unless asked to leave them uncoded.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from edc import cli
from edc.db.coding import CodedTerm
from edc.db.engine import make_engine
from edc.definitions.catalog import Catalog
from edc.demo import populate
from edc.demo.coding import DEMO_VERSION
from edc.demo.plan import DESIGNS, TrialDesign

sys.path.insert(0, str(Path(__file__).parent / "demo"))
from demo_env import TODAY, demo_env

DATA = Path(__file__).parent / "data" / "coding"
STUDY = "ic19"
SMALL_CAST = TrialDesign((40,), ("DL1",), ("SLE",), (("EXC12", "SLE", 10),))


def edc(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.main, list(args))
    return result.exit_code, result.output


def test_a_release_loads_whole_or_not_at_all(db_url: str, catalog: Catalog, tmp_path: Path) -> None:
    demo_env(db_url, catalog).engine.dispose()  # migrated, the studies registered
    broken = tmp_path / "meddra"
    shutil.copytree(DATA / "meddra", broken)
    lines = (broken / "llt.asc").read_text().splitlines()
    lines[1] = "9050000X$Head pain$90400001$$$$$$$Y$$"
    (broken / "llt.asc").write_text("\n".join(lines) + "\n")
    (broken / "hlt.asc").unlink()

    code, output = edc("coding", "load", "meddra", str(broken), "--version", "27.1", "--url", db_url)
    assert code == 1
    assert f"{broken / 'llt.asc'}:2: code '9050000X' is not a number" in output
    assert f"{broken / 'hlt.asc'}:1: file missing from the release" in output
    assert "not loaded" in output
    assert edc("coding", "list", "--url", db_url) == (0, "no dictionary release loaded\n")

    assert edc("coding", "load", "meddra", str(DATA / "meddra"), "--version", "27.1", "--url", db_url) == (
        0, "loaded MedDRA 27.1: 9 terms\n")
    again = edc("coding", "load", "meddra", str(DATA / "meddra"), "--version", "27.1", "--url", db_url)
    assert again[0] == 1 and "is loaded already" in again[1]
    assert edc("coding", "load", "whodrug", str(DATA / "whodrug"), "--version", "B3 2025", "--url", db_url)[0] == 0
    assert edc("coding", "use", "--study", STUDY, "whodrug", "B3 2025", "--url", db_url) == (
        0, "ic19 codes with WHODrug B3 2025\n")
    assert edc("coding", "use", "--study", STUDY, "meddra", "26.0", "--url", db_url)[0] == 1
    listed = edc("coding", "list", "--url", db_url)[1].splitlines()
    assert [line.split(":")[0] for line in listed] == [
        "MedDRA 27.1", "WHODrug B3 2025", "ic19 codes with WHODrug B3 2025"]


def test_moving_to_another_release_reopens_what_it_cannot_code_and_the_export_refuses_it(
        db_url: str, catalog: Catalog, tmp_path: Path) -> None:
    env = demo_env(db_url, catalog)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(DESIGNS, STUDY, SMALL_CAST)
        populate(env.engine, Catalog.of([catalog.study(STUDY)]), actor_for=env.actor_for, today=TODAY)
    assert uncoded(db_url) == 0  # the demo's invented releases code every demo term
    assert edc("coding", "load", "meddra", str(DATA / "meddra"), "--version", "27.1", "--url", db_url)[0] == 0
    assert edc("coding", "use", "--study", STUDY, "meddra", "27.1", "--url", db_url)[0] == 0
    # the demo's codes are not in the test release: re-opened, and matched there where it has the term
    assert codes(db_url, "aeterm") == {"90500006", "90500007"}  # Cytokine release syndrome, Neutrophil count dec.
    history = uncoded(db_url)
    assert history == uncoded(db_url, "mhterm") > 0  # the test release has no history terms

    code, output = edc("export", "sdtm", "--study", STUDY, "--out", str(tmp_path / "refused"), "--url", db_url)
    assert code == 1 and f"export refused: {history} failure(s)" in output
    assert output.count("MH.MHTERM (ZMA03-01-") == history and "is not coded with MedDRA" in output
    assert not (tmp_path / "refused" / "mh.xpt").exists()
    code, output = edc("export", "sdtm", "--study", STUDY, "--out", str(tmp_path / "allowed"), "--url", db_url,
                       "--format", "csv", "--allow-uncoded")
    assert code == 0, output
    assert (tmp_path / "allowed" / "ae.csv").is_file()

    assert edc("coding", "use", "--study", STUDY, "meddra", DEMO_VERSION, "--url", db_url)[0] == 0
    assert uncoded(db_url) == 0  # matched again in the demo release
    env.engine.dispose()


def codes(db_url: str, item: str) -> set[str | None]:
    """The codes of the study's coded terms of one item."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(select(CodedTerm.code).where(
                CodedTerm.item == item, CodedTerm.status == "coded", CodedTerm.study_id == STUDY)).scalars())
    finally:
        engine.dispose()


def uncoded(db_url: str, item: str | None = None) -> int:
    """How many of the study's terms (of one item, when given) are uncoded."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(CodedTerm).where(
                CodedTerm.status == "uncoded", CodedTerm.study_id == STUDY,
                *(() if item is None else (CodedTerm.item == item,)))).scalar_one())
    finally:
        engine.dispose()
