"""Broken SDTM specs are definition problems: `edc definitions check` lists them as file:line, `edc serve` refuses.

Each test copies the project's `forms/` and `exports/` side by side (the
rule: the specs are the `exports/` folder beside the definitions folder),
breaks one spec, and runs the real command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from edc.config import project_root

EDC = [sys.executable, "-m", "edc"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EDC, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the definitions and their SDTM specs: tmp/forms and tmp/exports."""
    shutil.copytree(project_root() / "forms", tmp_path / "forms")
    shutil.copytree(project_root() / "exports", tmp_path / "exports")
    return tmp_path


def break_spec(spec: Path, old: str, new: str) -> int:
    """Replace `old` by `new` in `spec` once; the line number (1-based) of the last line of `new`."""
    text = spec.read_text()
    assert text.count(old) >= 1, old
    spec.write_text(text.replace(old, new, 1))
    marker = new.strip().splitlines()[-1]
    return next(number for number, line in enumerate(spec.read_text().splitlines(), start=1) if marker in line)


def test_an_unknown_key_is_reported_with_file_and_line(project: Path) -> None:
    spec = project / "exports" / "ae.yaml"
    line = break_spec(spec, "  name: AE\n", "  name: AE\n  colour: red\n")
    result = run("definitions", "check", str(project / "forms"))
    assert result.returncode == 1
    assert f"{spec}:{line}: unknown key 'colour' in dataset" in result.stderr.splitlines()
    assert "Traceback" not in result.stderr


def test_an_unknown_derivation_is_reported_with_file_and_line(project: Path) -> None:
    spec = project / "exports" / "ae.yaml"
    line = break_spec(spec, "derive: study_day, args: {of: AESTDTC}", "derive: study_dayz, args: {of: AESTDTC}")
    result = run("definitions", "check", str(project / "forms"))
    assert result.returncode == 1
    problems = [p for p in result.stderr.splitlines() if p.startswith(f"{spec}:{line}: ")]
    assert problems and all("unknown derivation 'study_dayz'" in p for p in problems), result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_item_is_reported_with_file_and_line(project: Path) -> None:
    spec = project / "exports" / "ae.yaml"
    line = break_spec(spec, "item: adverse_events.aeterm}", "item: adverse_events.aeterms}")
    result = run("definitions", "check", str(project / "forms"))
    assert result.returncode == 1
    assert f"{spec}:{line}: form 'adverse_events' has no item 'aeterms'" in result.stderr.splitlines()
    assert "Traceback" not in result.stderr


def test_serve_refuses_to_start_with_a_broken_spec(project: Path) -> None:
    spec = project / "exports" / "ae.yaml"
    line = break_spec(spec, "derive: study_day, args: {of: AESTDTC}", "derive: study_dayz, args: {of: AESTDTC}")
    database = project / "edc.sqlite"
    result = run("serve", "--url", f"sqlite:///{database}", "--port", "1",
                 env={"EDC_FORMS_DIR": str(project / "forms")})
    assert result.returncode == 1
    assert any(p.startswith(f"{spec}:{line}: unknown derivation 'study_dayz'") for p in result.stderr.splitlines())
    assert "the study definitions have problems; run 'edc definitions check'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not database.exists()  # refused before migrating anything
