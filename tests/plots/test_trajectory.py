"""The lupus trajectory rendered from fixed data: SLEDAI-2K and PGA at every visit, the SRI-4 / LLDAS / DORIS
status of every follow-up visit as a marker and a word, a text alternative."""

from __future__ import annotations

from svg_reading import groups, markers, parse, texts

from edc.plots import ResponseStatus, Trajectory, TrajectoryPoint, trajectory_svg

TRAJECTORY = Trajectory(
    "01-003", "01",
    (TrajectoryPoint("BL", -6, 12, 1.5), TrajectoryPoint("M1", 28, 8, 1.0), TrajectoryPoint("M3", 90, 4, 0.4),
     TrajectoryPoint("UNS #2", 100, 2, 0.2)),
    (ResponseStatus("M1", True, False, None), ResponseStatus("M3", True, True, False),
     ResponseStatus("UNS #2", None, None, None)))
TITLE = "SLEDAI-2K and PGA of subject 01-003 (relmacel)"


def test_every_assessment_is_drawn_and_labelled() -> None:
    root = parse(trajectory_svg(TRAJECTORY, title=TITLE))
    shown = texts(root)
    for label in ("BL: 12", "M1: 8", "M3: 4", "UNS #2: 2", "BL: 1.5", "M1: 1", "M3: 0.4", "UNS #2: 0.2",
                  "SLEDAI-2K", "PGA (0-3)", TITLE):
        assert label in shown
    assert len(markers(groups(root, "sledai-line")["sledai-line"])) == 4
    assert len(markers(groups(root, "pga-line")["pga-line"])) == 4


def test_each_status_is_a_marker_and_a_word() -> None:
    root = parse(trajectory_svg(TRAJECTORY, title=TITLE))
    cells = groups(root, "status-")
    assert len(cells) == 9 and "status-SRI-4-M1" in cells and "status-DORIS-UNS_2" in cells
    assert all(len(markers(cell)) == 1 for cell in cells.values())
    shown = texts(root)
    assert (shown.count("met"), shown.count("not met"), shown.count("n/d")) == (3, 2, 4)
    for label in ("SRI-4", "LLDAS", "DORIS", "M1", "M3", "UNS #2"):
        assert label in shown
    desc = next(e for e in root if e.tag.endswith("desc")).text or ""
    assert "M1: SRI-4 met, LLDAS not met, DORIS n/d." in desc and "M3 (day 90) SLEDAI-2K 4, PGA 0.4." in desc


def test_a_subject_without_assessments_still_gets_a_plot() -> None:
    root = parse(trajectory_svg(Trajectory("01-004", "01", day_zero="first assessment"), title="empty"))
    shown = texts(root)
    assert "No assessment recorded" in shown and "No follow-up assessment after the baseline" in shown
    assert "Days since the first assessment (day 0)" in shown and not groups(root, "status-")
    assert trajectory_svg(TRAJECTORY, title=TITLE) == trajectory_svg(TRAJECTORY, title=TITLE)
