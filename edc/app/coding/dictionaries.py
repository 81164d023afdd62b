"""The dictionaries' use cases: load a sponsor's release, set the release a study codes with, show both.

Dictionaries are licensed: the sponsor supplies the release's files and an
operator loads them (`edc coding load meddra DIR --version 27.1`), which
parses every file first (`edc.coding`: every problem at its file and line,
nothing stored) and stores the release with its version, the SHA-256 of its
files and its terms, audited `coding.load`. A release is never changed.

A study codes with one release of each dictionary. Its data manager (with a
study-wide grant: the choice covers every site) or an operator sets it,
audited `coding.dictionary`; see `edc.app.coding.sync.use_release` for what
follows (older decisions moved or re-opened, the queue matched).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from edc import audit
from edc.app.coding import dictionary_store, sync
from edc.app.coding.dictionary_store import Release
from edc.app.kernel.actor import Actor
from edc.app.kernel.clock import stored_utc
from edc.app.kernel.errors import Conflict, InvalidInput, NotPermitted
from edc.coding import meddra, whodrug
from edc.coding.files import release_sha256
from edc.definitions.catalog import StudyDefinition
from edc.definitions.coding import DICTIONARIES, MEDDRA

MAX_VERSION = 40


@dataclass(frozen=True)
class StudyRelease:
    """A study's release of one dictionary: which, since when, set by whom (None: an operator)."""

    kind: str
    version: str
    set_at: datetime
    set_by: str | None


def load_release(conn: Connection, *, kind: str, directory: Path, version: str, now: datetime) -> tuple[Release, int]:
    """Parse and store the release in `directory`; the release and its number of terms.

    `DictionaryInvalid` (every problem of the files, nothing stored), InvalidInput for an unknown dictionary
    or an unusable version, Conflict when that version is loaded already.
    """
    version = checked_version(kind, version)
    if dictionary_store.find_release(conn, kind, version) is not None:
        raise Conflict(f"{DICTIONARIES[kind]} {version} is loaded already; a release is never changed")
    terms: tuple[meddra.MeddraTerm, ...] | tuple[whodrug.DrugTerm, ...]
    if kind == MEDDRA:
        terms, files = meddra.read_meddra(directory), meddra.FILES
    else:
        terms, files = whodrug.read_whodrug(directory), whodrug.FILES
    sha256 = release_sha256(directory, files)
    dictionary_id = dictionary_store.insert_release(conn, kind=kind, version=version, terms=terms,
                                                    files_sha256=sha256, now=now)
    audit.append(conn, action="coding.load", occurred_at=now, item=kind, new_value=version,
                 reason=f"{len(terms)} terms from {', '.join(files)} (SHA-256 {sha256})")
    return Release(dictionary_id, kind, version), len(terms)


def checked_version(kind: str, version: str) -> str:
    """The version as stored (surrounding space dropped); InvalidInput for an unknown kind or a bad version."""
    if kind not in DICTIONARIES:
        raise InvalidInput(f"no dictionary '{kind}'; known: {', '.join(DICTIONARIES)}")
    version = version.strip()
    if not 0 < len(version) <= MAX_VERSION or not version.isprintable() or not version.isascii():
        raise InvalidInput(f"a version is 1 to {MAX_VERSION} printable ASCII characters, not {version!r}")
    return version


def use_release(conn: Connection, *, study: StudyDefinition, kind: str, version: str, actor: Actor | None,
                now: datetime) -> StudyRelease:
    """Set the study's release of `kind` (None actor: an operator's command); the same one again changes nothing.

    NotPermitted for a site-restricted actor, InvalidInput for a release not loaded.
    """
    if actor is not None and actor.site_ids is not None:
        raise NotPermitted("the study's coding dictionaries cover every site: this needs a study-wide grant")
    version = checked_version(kind, version)
    release = dictionary_store.find_release(conn, kind, version)
    if release is None:
        raise InvalidInput(f"{DICTIONARIES[kind]} {version} is not loaded; load it first (edc coding load)")
    current = dictionary_store.study_release(conn, study.id, kind)
    if current is None or current.dictionary_id != release.dictionary_id:
        dictionary_store.set_study_release(conn, study_id=study.id, release=release,
                                           user_id=None if actor is None else actor.user_id, now=now)
        audit.append(conn, action="coding.dictionary", occurred_at=now,
                     user_id=None if actor is None else actor.user_id, role=None if actor is None else actor.role,
                     study_id=study.id, item=kind, old_value=None if current is None else current.version,
                     new_value=version)
        sync.use_release(conn, study, release, now)
    return study_releases(conn, study)[kind]


def study_releases(conn: Connection, study: StudyDefinition) -> dict[str, StudyRelease]:
    """The study's release of each dictionary it has one of."""
    return {kind: StudyRelease(kind, str(row.version), stored_utc(row.set_at), row.username)
            for kind, row in dictionary_store.study_releases(conn, study.id).items()}
