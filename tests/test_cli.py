"""The `edc` command line, run as a real process: exit status and messages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from edc.db.engine import make_engine

MINIMAL = Path(__file__).parent / "data" / "minimal"
EDC = [sys.executable, "-m", "edc"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EDC, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_definitions_check_lists_the_four_trials(forms_root: Path) -> None:
    result = run("definitions", "check", str(forms_root))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["cnct19", "ic19", "rd0604", "relmacel"]


def test_definitions_check_fails_with_file_and_line(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(MINIMAL, forms)
    demographics = forms / "library" / "forms" / "demographics.yaml"
    demographics.write_text(demographics.read_text().replace("unit: years", "unit: yrs"))
    result = run("definitions", "check", str(forms))
    assert result.returncode == 1
    line = demographics.read_text().splitlines().index("      unit: yrs") + 1
    assert f"{demographics}:{line}: item 'age' has unknown unit 'yrs'" in result.stderr
    assert "1 problem(s)" in result.stderr
    assert "Traceback" not in result.stderr


def test_definitions_check_on_a_missing_folder(tmp_path: Path) -> None:
    result = run("definitions", "check", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert "definitions folder not found" in result.stderr


def test_db_upgrade_and_check(db_url: str) -> None:
    env = {"EDC_DATABASE_URL": db_url}
    upgraded = run("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "is at revision head" in upgraded.stdout
    checked = run("db", "check", env=env)
    assert checked.returncode == 0, checked.stderr
    engine = make_engine(db_url)
    assert "crf_ic19_adverse_events" in inspect(engine).get_table_names()
    engine.dispose()


def test_db_upgrade_with_broken_definitions_fails_cleanly(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(MINIMAL, forms)
    (forms / "mini" / "study.yaml").write_text("study: [\n")
    result = run("db", "upgrade", env={"EDC_FORMS_DIR": str(forms),
                                       "EDC_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    assert result.returncode == 1
    assert "YAML syntax error" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_on_an_unreachable_database_fails_cleanly() -> None:
    result = run("db", "upgrade", env={"EDC_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert result.returncode == 1
    assert result.stderr.startswith("error:")
    assert "Traceback" not in result.stderr


def test_escalation_status_of_an_unknown_study_fails_cleanly(tmp_path: Path) -> None:
    result = run("escalation", "status", "--study", "nope", "--url", f"sqlite:///{tmp_path / 'none.db'}")
    assert result.returncode == 1
    assert "no study 'nope'" in result.stderr and "Traceback" not in result.stderr
