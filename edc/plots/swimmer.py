"""The swimmer plot: one lane per treated subject from the infusion on, the DLT window shaded, each adverse event a
marker at its onset day whose colour and shape give its grade, CRS and ICANS named beside their marker."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from edc.plots.model import SwimmerLane
from edc.plots.render import GRADES, element_id, figure_svg, grade_handles

WINDOW_COLOUR, LANE_COLOUR = "#DDDDDD", "#4D6A8A"


def swimmer_svg(lanes: Sequence[SwimmerLane], *, title: str) -> str:
    """The swimmer plot of `lanes`, top to bottom in the order given, as SVG text."""
    figure = Figure(figsize=(9.0, 1.8 + 0.42 * max(len(lanes), 1)), layout="constrained")
    ax = figure.add_subplot()
    for y, lane in enumerate(lanes):
        _lane(ax, y, lane)
    ax.set_yticks(range(len(lanes)), [f"{lane.subject} · site {lane.site} · {lane.dose_level}" for lane in lanes])
    ax.set_ylim(len(lanes) - 0.4, -0.6)
    reach = max((max([lane.observed_days, lane.dlt_window_days, *(e.day for e in lane.events)])
                 for lane in lanes), default=28)
    ax.set_xlim(min([-2, *(e.day - 2 for lane in lanes for e in lane.events)]), reach + 3)
    ax.set_xlabel("Days since the CAR-T infusion (day 0)")
    ax.set_title(title)
    ax.grid(axis="x", color="#EEEEEE")
    if not lanes:
        ax.text(0.5, 0.5, "No treated subject", transform=ax.transAxes, ha="center", va="center")
    handles = [*grade_handles(),
               Line2D([], [], color="black", marker="|", markersize=12, linestyle="none", label="Infusion"),
               Patch(facecolor=WINDOW_COLOUR, label="DLT window")]
    figure.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False)
    return figure_svg(figure, title=title, description=_description(lanes))


def _lane(ax: Axes, y: int, lane: SwimmerLane) -> None:
    """One subject's lane: nothing but a note before the infusion."""
    if lane.infusion_day is None:
        ax.text(0, y, "enrolled, not yet infused", va="center", fontsize=8, color="#555555",
                gid=element_id("awaiting", lane.subject))
        return
    ax.add_patch(Rectangle((0, y - 0.32), lane.dlt_window_days, 0.64, facecolor=WINDOW_COLOUR, edgecolor="none",
                           gid=element_id("dlt-window", lane.subject)))
    ax.add_patch(Rectangle((0, y - 0.08), max(lane.observed_days, 0), 0.16, facecolor=LANE_COLOUR,
                           edgecolor="none", gid=element_id("lane", lane.subject)))
    ax.plot([0], [y], marker="|", markersize=16, color="black", linestyle="none",
            gid=element_id("infusion", lane.subject))
    for n, event in enumerate(lane.events, start=1):
        colour, marker, _ = GRADES[event.grade]
        ax.plot([event.day], [y], marker=marker, markersize=8, color=colour, markeredgecolor="black",
                markeredgewidth=0.6, linestyle="none", gid=element_id("event", lane.subject, n))
        if event.kind != "AE":
            ax.text(event.day, y - 0.3, event.kind, ha="center", va="bottom", fontsize=7,
                    gid=element_id("event-kind", lane.subject, n))


def _description(lanes: Sequence[SwimmerLane]) -> str:
    """A text alternative: every lane and event in words."""
    if not lanes:
        return "No treated subject."
    parts = [f"{len(lanes)} treated subjects; grades by colour and marker shape."]
    for lane in lanes:
        if lane.infusion_day is None:
            parts.append(f"{lane.subject} (site {lane.site}, {lane.dose_level}): not yet infused.")
            continue
        events = ", ".join(f"{e.kind} grade {e.grade} on day {e.day}" for e in lane.events) or "no adverse event"
        parts.append(f"{lane.subject} (site {lane.site}, {lane.dose_level}): infused on day 0, DLT window "
                     f"{lane.dlt_window_days} days, followed {lane.observed_days} days; {events}.")
    return " ".join(parts)
