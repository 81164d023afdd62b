"""The swimmer plot rendered from fixed lanes: valid SVG naming each subject, one marker per adverse event whose
shape (not only colour) gives the grade, the grade legend, CRS and ICANS named, the same bytes every time."""

from __future__ import annotations

from svg_reading import groups, marker_shape, markers, parse, texts

from edc.plots import SwimmerEvent, SwimmerLane, swimmer_svg

LANES = (
    SwimmerLane("01-001", "01", "DL1", 0, 28, 60, (
        SwimmerEvent(1, "CRS", 2), SwimmerEvent(3, "ICANS", 1), SwimmerEvent(12, "AE", 3),
        SwimmerEvent(40, "AE", 4))),
    SwimmerLane("02-001", "02", "DL1", 0, 28, 20, (SwimmerEvent(-2, "AE", 1), SwimmerEvent(5, "AE", 5))),
    SwimmerLane("01-002", "01", "DL2", None, 28, 0),
)
TITLE = "Swimmer plot of ic19"


def test_the_svg_names_every_subject_and_has_a_title_and_a_description() -> None:
    root = parse(swimmer_svg(LANES, title=TITLE))
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("role") == "img"
    title, desc = list(root)[:2]
    assert (title.tag.split("}")[1], title.text) == ("title", TITLE)
    assert desc.tag.endswith("desc") and "CRS grade 2 on day 1" in (desc.text or "")
    shown = texts(root)
    for label in ("01-001 · site 01 · DL1", "02-001 · site 02 · DL1", "01-002 · site 01 · DL2", TITLE):
        assert label in shown
    assert "enrolled, not yet infused" in shown


def test_one_marker_per_event_its_shape_by_grade() -> None:
    root = parse(swimmer_svg(LANES, title=TITLE))
    for lane in LANES:
        found = {gid: g for gid, g in groups(root, f"event-{lane.subject}-").items()
                 if not gid.startswith("event-kind")}
        assert sorted(found) == [f"event-{lane.subject}-{n}" for n in range(1, len(lane.events) + 1)]
        assert all(len(markers(g)) == 1 for g in found.values())
    shapes = {}
    for lane in LANES:
        for n, event in enumerate(lane.events, start=1):
            [href] = markers(groups(root, f"event-{lane.subject}-{n}")[f"event-{lane.subject}-{n}"])
            shapes.setdefault(event.grade, set()).add(marker_shape(root, href))
    assert all(len(s) == 1 for s in shapes.values())  # a grade is one shape wherever it is drawn
    assert len({s.pop() for s in shapes.values()}) == 5  # and the five grades five shapes


def test_the_legend_the_syndromes_and_the_dlt_windows() -> None:
    root = parse(swimmer_svg(LANES, title=TITLE))
    shown = texts(root)
    for label in ("Grade 1 (circle)", "Grade 2 (square)", "Grade 3 (triangle)", "Grade 4 (diamond)",
                  "Grade 5 (cross)", "Infusion", "DLT window"):
        assert label in shown
    assert shown.count("CRS") == 1 and shown.count("ICANS") == 1
    assert set(groups(root, "dlt-window-")) == {"dlt-window-01-001", "dlt-window-02-001"}  # not the uninfused
    assert set(groups(root, "infusion-")) == {"infusion-01-001", "infusion-02-001"}


def test_the_same_lanes_give_the_same_bytes_and_no_lane_a_note() -> None:
    assert swimmer_svg(LANES, title=TITLE) == swimmer_svg(LANES, title=TITLE)
    empty = parse(swimmer_svg([], title=TITLE))
    assert "No treated subject" in texts(empty) and not groups(empty, "event-")
