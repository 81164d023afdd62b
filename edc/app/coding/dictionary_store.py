"""The SQL of the dictionaries: releases and their terms, the study's release of each, and lookups in a release.

A dictionary entry is read the same way whatever the dictionary: an `Entry`
with its code, its name, whether it may be coded to (MedDRA: a current LLT)
and the levels an export reads (`edc.definitions.coding.LEVELS`); a WHODrug
entry also lists its ATC classes. Every function works inside the caller's
transaction and never commits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from edc.coding.matching import name_key
from edc.coding.meddra import MeddraTerm
from edc.coding.whodrug import DrugTerm
from edc.db import coding as tables
from edc.db.core import User
from edc.definitions.coding import MEDDRA

#: Terms per INSERT: a MedDRA release has some 80,000 LLTs.
CHUNK = 2000
_M, _W = tables.MeddraTerm, tables.WhodrugTerm

AnyRow = Row[*tuple[Any, ...]]


@dataclass(frozen=True)
class Entry:
    """A dictionary entry as coding shows and exports it."""

    code: str
    name: str
    codable: bool
    levels: dict[str, object]
    atc: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Release:
    """A loaded release: its id, dictionary kind and version."""

    dictionary_id: int
    kind: str
    version: str


def find_release(conn: Connection, kind: str, version: str) -> Release | None:
    d = tables.CodingDictionary
    row = conn.execute(select(d.id).where(d.kind == kind, d.version == version)).first()
    return None if row is None else Release(int(row.id), kind, version)


def release_by_id(conn: Connection, dictionary_id: int) -> Release:
    d = tables.CodingDictionary
    row = conn.execute(select(d.kind, d.version).where(d.id == dictionary_id)).one()
    return Release(dictionary_id, str(row.kind), str(row.version))


def releases(conn: Connection) -> list[AnyRow]:
    """Every loaded release (id, kind, version, terms, loaded_at), by kind and load order."""
    d = tables.CodingDictionary
    return list(conn.execute(select(d.id, d.kind, d.version, d.terms, d.loaded_at).order_by(d.kind, d.id)).all())


def insert_release(conn: Connection, *, kind: str, version: str, terms: Sequence[MeddraTerm] | Sequence[DrugTerm],
                   files_sha256: str, now: datetime) -> int:
    """Store a release and its terms; its id."""
    dictionary_id = int(conn.execute(insert(tables.CodingDictionary).values(
        kind=kind, version=version, terms=len(terms), files_sha256=files_sha256, loaded_at=now,
    ).returning(tables.CodingDictionary.id)).scalar_one())
    rows = [_meddra_row(t) if isinstance(t, MeddraTerm) else _drug_row(t) for t in terms]
    table = _M if kind == MEDDRA else _W
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), [{"dictionary_id": dictionary_id, **row} for row in rows[start:start + CHUNK]])
    return dictionary_id


def _meddra_row(term: MeddraTerm) -> dict[str, object]:
    return {**vars(term), "name_key": name_key(term.llt_name)}


def _drug_row(term: DrugTerm) -> dict[str, object]:
    return {"drug_code": term.drug_code, "drug_name": term.drug_name, "name_key": name_key(term.drug_name),
            "preferred_name": term.preferred_name, "atc": [list(pair) for pair in term.atc]}


def study_releases(conn: Connection, study_id: str) -> dict[str, AnyRow]:
    """Kind -> the study's release (dictionary_id, version, set_at, username of who set it or None)."""
    s, d = tables.StudyDictionary, tables.CodingDictionary
    rows = conn.execute(select(s.kind, s.dictionary_id, d.version, s.set_at, User.username)
                        .join(d, d.id == s.dictionary_id).outerjoin(User, User.id == s.set_by)
                        .where(s.study_id == study_id)).all()
    return {str(row.kind): row for row in rows}


def studies_with_releases(conn: Connection) -> list[str]:
    """The studies that have a release of some dictionary, by id."""
    s = tables.StudyDictionary
    return [str(study_id) for study_id in conn.execute(select(s.study_id).distinct().order_by(s.study_id)).scalars()]


def study_release(conn: Connection, study_id: str, kind: str) -> Release | None:
    row = study_releases(conn, study_id).get(kind)
    return None if row is None else Release(int(row.dictionary_id), kind, str(row.version))


def set_study_release(conn: Connection, *, study_id: str, release: Release, user_id: int | None,
                      now: datetime) -> None:
    s = tables.StudyDictionary
    values = {"dictionary_id": release.dictionary_id, "set_by": user_id, "set_at": now}
    if not conn.execute(update(s).where(s.study_id == study_id, s.kind == release.kind).values(**values)).rowcount:
        conn.execute(insert(s).values(study_id=study_id, kind=release.kind, **values))


def matching(conn: Connection, release: Release, verbatim: str) -> list[Entry]:
    """The codable entries whose name matches `verbatim` exactly (case and spacing aside)."""
    key = name_key(verbatim)
    if not key:
        return []
    table = _M if release.kind == MEDDRA else _W
    rows = conn.execute(_entries(release).where(table.name_key == key)).all()
    return [entry for entry in map(_entry(release.kind), rows) if entry.codable]


def entries(conn: Connection, release: Release, codes: Collection[str]) -> dict[str, Entry]:
    """Code -> entry of the release, for the codes it has (codes it lacks are left out)."""
    if not codes:
        return {}
    if release.kind == MEDDRA:
        numbers = [int(code) for code in codes if code.isdigit()]
        rows: Iterable[AnyRow] = conn.execute(_entries(release).where(_M.llt_code.in_(numbers))).all()
    else:
        rows = conn.execute(_entries(release).where(_W.drug_code.in_(list(codes)))).all()
    return {entry.code: entry for entry in map(_entry(release.kind), rows)}


def search(conn: Connection, release: Release, text: str, limit: int) -> list[Entry]:
    """Entries whose name contains `text` (case and spacing aside), codable ones first, then by name."""
    key = name_key(text)
    table = _M if release.kind == MEDDRA else _W
    name = table.llt_name if release.kind == MEDDRA else table.drug_name  # type: ignore[union-attr]
    codable = (_M.current.desc(),) if release.kind == MEDDRA else ()
    rows = conn.execute(_entries(release).where(table.name_key.contains(key, autoescape=True))
                        .order_by(*codable, func.length(name), name).limit(limit)).all()
    return [_entry(release.kind)(row) for row in rows]


def atc_of(entry: Entry, atc_code: str | None) -> str | None:
    """The ATC class a decision on `entry` records: the one chosen, else a drug's only one, else none."""
    if atc_code is None and len(entry.atc) == 1:
        return entry.atc[0][0]
    return atc_code


def coded_levels(kind: str, entry: Entry, atc_code: str | None) -> dict[str, object]:
    """What an export reads of a decision (`edc.definitions.coding.LEVELS`): the entry's levels, and for a drug
    the ATC class chosen."""
    levels = dict(entry.levels)
    if kind != MEDDRA:
        levels["atc_code"] = atc_code
        levels["atc"] = next((text for code, text in entry.atc if code == atc_code), None)
    return levels


def _entries(release: Release) -> Any:
    table = _M if release.kind == MEDDRA else _W
    return select(table).where(table.dictionary_id == release.dictionary_id)


def _entry(kind: str) -> Any:
    return _meddra_entry if kind == MEDDRA else _drug_entry


def _meddra_entry(row: AnyRow) -> Entry:
    levels: dict[str, object] = {
        "llt": row.llt_name, "llt_code": row.llt_code, "pt": row.pt_name, "pt_code": row.pt_code,
        "hlt": row.hlt_name, "hlt_code": row.hlt_code, "hlgt": row.hlgt_name, "hlgt_code": row.hlgt_code,
        "soc": row.soc_name, "soc_code": row.soc_code}
    return Entry(str(row.llt_code), str(row.llt_name), bool(row.current), levels)


def _drug_entry(row: AnyRow) -> Entry:
    atc = tuple((str(code), str(text)) for code, text in row.atc)
    levels: dict[str, object] = {"drug": row.preferred_name, "drug_code": row.drug_code}
    return Entry(str(row.drug_code), str(row.drug_name), True, levels, atc)
