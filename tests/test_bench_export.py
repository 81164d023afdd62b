"""The SDTM export benchmark still runs: 3 synthetic subjects, XPT only, every step timed, a ratio measured."""

from __future__ import annotations

import pytest

from bench.export_sdtm import STEPS, main


def test_the_export_benchmark_reports_every_step_and_a_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    report = main(["--subjects", "3", "--formats", "xpt"])

    assert set(report.steps) == set(STEPS)
    assert all(report.steps[step] > 0 for step in ("mapped", "validated", "written"))
    assert report.rows["DM"] == 3 and report.rows["LB"] > 0
    assert report.bare_seconds > 0 and report.ratio > 0
    printed = capsys.readouterr().out
    assert all(step in printed for step in STEPS) and "ratio export / bare write" in printed


def test_the_memory_only_run_reports_both_peaks(capsys: pytest.CaptureFixture[str]) -> None:
    report = main(["--subjects", "4", "--formats", "csv", "--memory-only"])

    assert sorted(report.peaks) == [1, 4] and all(peak > 0 for peak in report.peaks.values())
    assert "tracemalloc peak with      4 subjects" in capsys.readouterr().out
