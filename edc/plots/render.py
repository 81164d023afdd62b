"""Matplotlib figures to accessible, deterministic SVG text.

Matplotlib's SVG backend is used without pyplot (no global figure registry, so
requests rendered in worker threads do not share state). Its settings are
fixed once here: text stays text (`svg.fonttype = none`, so labels are
searchable, read by screen readers and found by tests), and the ids it
generates are salted with a constant and the date left out, so the same data
always give the same bytes. The SVG gets a <title> and a <desc> as its first
children and `role="img"`, as WAI-ARIA asks of a standalone graphic.
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape, quoteattr

import matplotlib
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "edc-plots", "font.size": 9})

#: grade -> (colour, marker, name): colour AND shape tell the grades apart (Okabe-Ito colours, safe for the
#: common colour-vision deficiencies; the shape carries the grade on a grey-scale print as well).
GRADES: dict[int, tuple[str, str, str]] = {
    1: ("#009E73", "o", "circle"),
    2: ("#56B4E9", "s", "square"),
    3: ("#E69F00", "^", "triangle"),
    4: ("#D55E00", "D", "diamond"),
    5: ("#000000", "X", "cross"),
}
_ID = re.compile(r"[^A-Za-z0-9_.-]+")


def element_id(*parts: object) -> str:
    """An XML id from `parts` (subject numbers, visit codes): unsafe characters replaced."""
    return _ID.sub("_", "-".join(str(p) for p in parts))


def grade_handles() -> list[Line2D]:
    """Legend entries, one per grade: the marker as drawn, labelled with the grade and the shape's name."""
    return [Line2D([], [], color=colour, marker=marker, linestyle="none", markersize=7,
                   label=f"Grade {grade} ({name})") for grade, (colour, marker, name) in GRADES.items()]


def figure_svg(figure: Figure, *, title: str, description: str) -> str:
    """The figure as SVG text with `title` and `description` for assistive technology."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    start = svg.index("<svg")
    end = svg.index(">", start)
    accessible = f"<title>{escape(title)}</title>\n <desc>{escape(description)}</desc>\n"
    return (svg[:end] + f" role=\"img\" aria-label={quoteattr(title)}>\n " + accessible
            + svg[end + 1:].lstrip("\n"))
