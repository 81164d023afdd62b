"""Registering the loaded definitions in the database: studies, their sites and each definition version.

A form record pins the `definition_versions` row it was captured under, and
that row keeps the whole definition, so an export or an audit replay can be
reproduced years later. A version number therefore names one content only:
registering a changed definition under a version already stored is refused,
the author must raise the version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, event, insert, select, update

from edc.db.core import DefinitionVersion, Site, Study
from edc.definitions.catalog import Catalog, StudyDefinition


class VersionConflict(Exception):
    """A study definition changed but kept a version number already registered."""


@dataclass(frozen=True)
class Registered:
    study_id: str
    version: str
    definition_version_id: int
    new: bool

    def __str__(self) -> str:
        state = "registered" if self.new else "already registered"
        return f"{self.study_id} {self.version}: {state} (definition version #{self.definition_version_id})"


def register_catalog(conn: Connection, catalog: Catalog, now: datetime) -> list[Registered]:
    """Register every study of `catalog` inside the caller's transaction; all or nothing."""
    return [register_study(conn, study, now) for study in catalog.studies.values()]


def register_study(conn: Connection, study: StudyDefinition, now: datetime) -> Registered:
    meta = study.spec.study
    _upsert_study(conn, study, now)
    _add_missing_sites(conn, study)
    digest = study.sha256
    existing = conn.execute(
        select(DefinitionVersion.id, DefinitionVersion.sha256)
        .where(DefinitionVersion.study_id == meta.id, DefinitionVersion.version == meta.version)
    ).one_or_none()
    if existing is not None:
        if existing.sha256 != digest:
            raise VersionConflict(
                f"study '{meta.id}' version {meta.version} is registered with different content; "
                f"raise study.version in forms/{meta.id}/study.yaml")
        return Registered(meta.id, meta.version, existing.id, new=False)
    inserted = conn.execute(insert(DefinitionVersion).values(
        study_id=meta.id, version=meta.version, sha256=digest, snapshot=study.snapshot(), loaded_at=now,
    )).inserted_primary_key
    assert inserted is not None
    return Registered(meta.id, meta.version, int(inserted[0]), new=True)


_VERSION_IDS = "edc.definition_version_ids"
_READ_VERSION_IDS = "edc.definition_version_ids.read"


def current_version_id(conn: Connection, study: StudyDefinition) -> int:
    """The definitions_versions row of `study` as loaded; fails if it was never registered.

    Remembered on the pooled database connection (`conn.info`) once the transaction that read it commits: a
    registered version's row never changes (its content is its sha256), and the memo dies with the connection,
    so a database dropped and created again under the same URL is read afresh. An id read in a transaction that
    rolls back is forgotten, in case that transaction registered the version; a read-only request's rollback
    leaves what earlier commits remembered.
    """
    key = (study.id, study.version, study.sha256)
    known: dict[tuple[str, str, str], int] = conn.info.get(_VERSION_IDS, {})
    if key in known:
        return known[key]
    read: dict[tuple[str, str, str], int] = conn.info.setdefault(_READ_VERSION_IDS, {})
    if key not in read:
        read[key] = _version_id(conn, study)
    return read[key]


@event.listens_for(Engine, "commit")
def _remember_version_ids(conn: Connection) -> None:
    """The ids this transaction read are committed rows now."""
    read = conn.info.pop(_READ_VERSION_IDS, None)
    if read:
        conn.info.setdefault(_VERSION_IDS, {}).update(read)


@event.listens_for(Engine, "rollback")
@event.listens_for(Engine, "rollback_savepoint")
def _forget_version_ids(conn: Connection, *args: object) -> None:
    """A rolled-back transaction (or savepoint) may have registered a version that is gone again."""
    conn.info.pop(_READ_VERSION_IDS, None)


def _version_id(conn: Connection, study: StudyDefinition) -> int:
    found = conn.execute(select(DefinitionVersion.id).where(
        DefinitionVersion.study_id == study.id, DefinitionVersion.version == study.version,
        DefinitionVersion.sha256 == study.sha256)).scalar_one_or_none()
    if found is None:
        raise VersionConflict(f"study '{study.id}' version {study.version} is not registered; run 'edc db upgrade'")
    return int(found)


def _upsert_study(conn: Connection, study: StudyDefinition, now: datetime) -> None:
    meta = study.spec.study
    if conn.execute(select(Study.id).where(Study.id == meta.id)).first() is None:
        conn.execute(insert(Study).values(id=meta.id, protocol_id=meta.protocol_id, title=meta.title,
                                          created_at=now))
    else:
        conn.execute(update(Study).where(Study.id == meta.id).values(protocol_id=meta.protocol_id,
                                                                     title=meta.title))


def _add_missing_sites(conn: Connection, study: StudyDefinition) -> None:
    """Sites are added, renamed, never removed: subjects may belong to a site a later version drops."""
    rows = conn.execute(select(Site.code, Site.name).where(Site.study_id == study.id)).all()
    known = {code: name for code, name in rows}
    for site in study.spec.sites:
        if site.id not in known:
            conn.execute(insert(Site).values(study_id=study.id, code=site.id, name=site.name))
        elif known[site.id] != site.name:
            conn.execute(update(Site).where(Site.study_id == study.id, Site.code == site.id).values(name=site.name))
