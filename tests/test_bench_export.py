"""The SDTM export benchmark still runs: every step timed, a ratio per format and for the whole export measured."""

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
    assert all(step in printed for step in STEPS) and "ratio export / bare writes" in printed


def test_a_study_of_one_dose_level_runs_with_every_format_timed(capsys: pytest.CaptureFixture[str]) -> None:
    # cnct19 plans one dose level: the synthetic reader once divided by the levels but the first
    report = main(["--study", "cnct19", "--subjects", "2", "--formats", "xpt,json,csv"])

    assert report.rows["DM"] == 2
    assert set(report.writes) == set(report.bare) == {"xpt", "json", "csv"}
    assert all(report.writes[fmt] > 0 and sum(report.bare[fmt].values()) > 0 for fmt in report.bare)
    printed = capsys.readouterr().out
    assert all(line in printed for line in ("xpt  ", "json ", "csv  ")) and "ratio export / bare writes" in printed


def test_the_memory_only_run_reports_both_peaks(capsys: pytest.CaptureFixture[str]) -> None:
    report = main(["--subjects", "4", "--formats", "csv", "--memory-only"])

    assert sorted(report.peaks) == [1, 4] and all(peak > 0 for peak in report.peaks.values())
    assert "tracemalloc peak with      4 subjects" in capsys.readouterr().out
