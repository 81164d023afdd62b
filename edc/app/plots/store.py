"""Storage reads of the plots: what the services they reuse do not give (the sites' codes).

Read-only; every function works inside the caller's transaction.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from edc.db.core import Site


def site_codes(conn: Connection, study_id: str) -> dict[int, str]:
    """site id -> site code, for the study's sites."""
    return {int(row.id): str(row.code) for row in conn.execute(select(Site.id, Site.code)
                                                                .where(Site.study_id == study_id))}
