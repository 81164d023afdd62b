"""A subject's lupus course: SLEDAI-2K and PGA against the days since infusion, and below them a table of the
SRI-4, LLDAS and DORIS status at each follow-up visit (a marker shape and a word per cell, not colour alone)."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from edc.plots.model import ResponseStatus, Trajectory
from edc.plots.render import element_id, figure_svg

CRITERIA = ("SRI-4", "LLDAS", "DORIS")
#: status -> (word, marker, face colour): met a filled circle, not met an open one, undecided a dash
STATUS = {True: ("met", "o", "#009E73"), False: ("not met", "o", "white"), None: ("n/d", "_", "#777777")}
SLEDAI_COLOUR, PGA_COLOUR = "#0072B2", "#CC79A7"


def trajectory_svg(trajectory: Trajectory, *, title: str) -> str:
    """The subject's trajectory as SVG text."""
    figure = Figure(figsize=(9.0, 7.0), layout="constrained")
    sledai, pga, table = figure.subplots(3, 1, height_ratios=(3, 2, 1.6))
    points = trajectory.points
    _series(sledai, trajectory, [p.sledai for p in points], "SLEDAI-2K", SLEDAI_COLOUR, "sledai")
    _series(pga, trajectory, [p.pga for p in points], "PGA (0-3)", PGA_COLOUR, "pga")
    sledai.set_title(title)
    sledai.set_ylim(0, max([p.sledai for p in points], default=0) + 4)  # room for the visit labels
    pga.set_ylim(0, 3.2)
    pga.set_xlabel(f"Days since the {trajectory.day_zero} (day 0)")
    _statuses(table, trajectory.statuses)
    return figure_svg(figure, title=title, description=_description(trajectory))


def _series(ax: Axes, trajectory: Trajectory, values: list[float], label: str, colour: str, name: str) -> None:
    """One score over time, each point labelled with its visit; day 0 (the infusion) a vertical line."""
    days = [p.day for p in trajectory.points]
    ax.set_ylabel(label)
    ax.axvline(0, color="#999999", linestyle="--", linewidth=0.8, gid=element_id(name, "day-zero"))
    ax.grid(color="#EEEEEE")
    if not days:
        ax.text(0.5, 0.5, "No assessment recorded", transform=ax.transAxes, ha="center", va="center")
        return
    ax.plot(days, values, color=colour, marker="o", gid=element_id(name, "line"), label=label)
    for point, value in zip(trajectory.points, values, strict=True):
        ax.annotate(f"{point.visit}: {value:g}", (point.day, value), textcoords="offset points", xytext=(0, 6),
                    ha="center", fontsize=7, gid=element_id(name, "point", point.visit))


def _statuses(ax: Axes, statuses: tuple[ResponseStatus, ...]) -> None:
    """The responses table: one column per follow-up visit, one row per criterion."""
    ax.set_yticks(range(len(CRITERIA)), CRITERIA)
    ax.set_ylim(len(CRITERIA) - 0.5, -0.5)
    ax.set_xticks(range(len(statuses)), [s.visit for s in statuses])
    ax.set_xlim(-0.5, max(len(statuses), 1) - 0.5)
    ax.tick_params(length=0)
    ax.xaxis.tick_top()
    ax.set_title("Responses at the follow-up visits", fontsize=9)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if not statuses:
        ax.text(0.5, 0.5, "No follow-up assessment after the baseline", transform=ax.transAxes, ha="center",
                va="center")
    for x, status in enumerate(statuses):
        for y, (criterion, met) in enumerate(zip(CRITERIA, (status.sri4, status.lldas, status.doris), strict=True)):
            word, marker, face = STATUS[met]
            ax.plot([x - 0.12], [y], marker=marker, markersize=8, markerfacecolor=face, color="#333333",
                    linestyle="none", gid=element_id("status", criterion, status.visit))
            ax.text(x - 0.05, y, word, va="center", fontsize=8)


def _description(trajectory: Trajectory) -> str:
    """A text alternative: every assessment and status in words."""
    parts = [f"Subject {trajectory.subject} (site {trajectory.site}), days since the {trajectory.day_zero}:"]
    if not trajectory.points:
        parts.append("no disease-activity assessment recorded.")
    parts += [f"{p.visit} (day {p.day}) SLEDAI-2K {p.sledai}, PGA {p.pga:g}." for p in trajectory.points]
    for s in trajectory.statuses:
        words = ", ".join(f"{c} {STATUS[m][0]}" for c, m in zip(CRITERIA, (s.sri4, s.lldas, s.doris), strict=True))
        parts.append(f"{s.visit}: {words}.")
    return " ".join(parts)
