"""The casebook's own SQL: the site it is for and the definition versions its records were captured under.

Everything else a casebook shows is read through the features that own it
(records, queries, SDV, signatures, audit trail), which scope it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from edc.db.core import DefinitionVersion, FormRecord, Site


@dataclass(frozen=True)
class SiteRow:
    """A site of the study: its id, code and name."""

    site_id: int
    code: str
    name: str


def site_by_code(conn: Connection, study_id: str, code: str) -> SiteRow | None:
    """The study's site `code` (None when it has none; the service decides whether the actor sees it)."""
    row = conn.execute(select(Site.id, Site.code, Site.name)
                       .where(Site.study_id == study_id, Site.code == code)).one_or_none()
    return None if row is None else SiteRow(int(row.id), str(row.code), str(row.name))


def site_by_id(conn: Connection, site_id: int) -> SiteRow:
    """The site `site_id` (the caller found it through a subject the actor sees)."""
    row = conn.execute(select(Site.id, Site.code, Site.name).where(Site.id == site_id)).one()
    return SiteRow(int(row.id), str(row.code), str(row.name))


def definition_versions(conn: Connection, subject_id: int) -> list[str]:
    """"version (sha256 prefix)" of every definition version a record of the subject was captured under."""
    rows = conn.execute(select(DefinitionVersion.version, DefinitionVersion.sha256).distinct()
                        .join(FormRecord, FormRecord.definition_version_id == DefinitionVersion.id)
                        .where(FormRecord.subject_id == subject_id)
                        .order_by(DefinitionVersion.version, DefinitionVersion.sha256))
    return [f"{row.version} (sha256 {str(row.sha256)[:12]})" for row in rows]
