"""Plots of the captured data rendered as SVG text: a swimmer plot of the treated subjects and a subject's lupus
disease-activity trajectory. Pure: frozen dataclasses in, SVG out; no storage, no HTTP (`edc.app.plots` reads)."""

from edc.plots.model import ResponseStatus, SwimmerEvent, SwimmerLane, Trajectory, TrajectoryPoint
from edc.plots.swimmer import swimmer_svg
from edc.plots.trajectory import trajectory_svg

__all__ = ["ResponseStatus", "SwimmerEvent", "SwimmerLane", "Trajectory", "TrajectoryPoint", "swimmer_svg",
           "trajectory_svg"]
