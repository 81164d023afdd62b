"""The plots a page embeds: the escalation's swimmer plot and a lupus subject's SLEDAI / PGA trajectory.

Both come from the plots feature (the same SVG as its API routes, scoped the
same way). A page without a plot to show (a study or cohort not assessed with
SLEDAI, a subject with nothing to draw) renders without the figure rather than
failing: the figure is an aid to reading the page, not its content.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import Conflict, NotFound
from edc.app.plots import service as plots
from edc.definitions.catalog import StudyDefinition


def swimmer(conn: Connection, study: StudyDefinition, actor: Actor, today: date) -> str:
    """The swimmer plot of the actor's subjects on a dose level (an empty plot says there are none yet)."""
    return plots.swimmer(conn, study, actor, today)


def trajectory(conn: Connection, study: StudyDefinition, actor: Actor, subject_number: str,
               today: date) -> str | None:
    """The subject's trajectory, or None when its study or cohort has none (no SLEDAI / PGA) or none is dated."""
    try:
        found = plots.subject_trajectory(conn, study, actor, subject_number, today)
    except (NotFound, Conflict):
        return None
    if not found.points:
        return None
    return plots.trajectory(conn, study, actor, subject_number, today)
