"""The coding queue, the data manager's use cases: list and read terms, decide a code, query the site, search.

- A term the system could not code (`edc.app.coding.sync`) waits in the
  queue (`uncoded`). The data manager chooses an entry of the study's
  release: an LLT that is current (MedDRA), or a drug record and, for a drug
  with several ATC classes, one of them (WHODrug). The decision names the
  version read (If-Match), and is audited `coding.decide` with the earlier
  decision as the old value; a coded term may be decided again (recoding).
- From the queue a query goes to the site on the term's item (reused from
  `edc.app.queries`), e.g. to ask what "flu-like" meant; the term stays in
  the queue until it is coded, or corrected and matched.
- Everything is scoped to the actor's sites: another site's term looks missing.
- `uncoded_terms` lists what an export would leave uncoded (the terms in the
  queue and those of records captured before coding began).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from edc.app.coding import dictionary_store, store, sync
from edc.app.coding.dictionary_store import Entry, Release
from edc.app.coding.store import AnyRow
from edc.app.kernel import cursors
from edc.app.kernel.actor import Actor
from edc.app.kernel.clock import stored_utc
from edc.app.kernel.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    ValidationFailed,
    VersionMismatch,
    VersionRequired,
)
from edc.app.locks import service as locks
from edc.app.queries import service as queries
from edc.capture.payload import ItemError
from edc.definitions.catalog import StudyDefinition
from edc.definitions.coding import DICTIONARIES, MEDDRA, coded_items
from edc.export.sdtm.subjectdata import Coded

MAX_SEARCH = 200


@dataclass(frozen=True)
class Decision:
    """A term's coding: the release, the entry (code, name, the levels an export reads), how and by whom."""

    version: str
    code: str
    name: str | None
    atc_code: str | None
    method: str
    decided_by: str | None
    decided_at: datetime | None
    levels: Mapping[str, object]


@dataclass(frozen=True)
class TermPlace:
    """Where a verbatim term was captured: the site, subject, visit, record (form and seq) and item."""

    site: str
    subject_number: str
    visit_code: str
    occurrence: int
    form_id: str
    seq: int
    item: str


@dataclass(frozen=True)
class TermView:
    """A verbatim term with where it was captured, its status and version, and its decision once coded."""

    term_id: int
    place: TermPlace
    dictionary: str
    verbatim: str
    status: str
    version: int
    decision: Decision | None


@dataclass(frozen=True)
class TermPage:
    terms: tuple[TermView, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class UncodedTerm:
    """A verbatim term an export would leave uncoded, and where it is."""

    place: TermPlace
    dictionary: str
    verbatim: str


def list_terms(conn: Connection, *, study: StudyDefinition, actor: Actor, status: str | None = store.UNCODED,
               dictionary: str | None = None, site_code: str | None = None, subject_number: str | None = None,
               limit: int = 100, cursor: str | None = None) -> TermPage:
    """The terms the actor sees, oldest first (by default the queue: the uncoded ones), one page."""
    if status is not None and status not in store.STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(store.STATUSES)}")
    if dictionary is not None and dictionary not in DICTIONARIES:
        raise InvalidInput(f"dictionary must be one of {', '.join(DICTIONARIES)}")
    bound = cursors.binding("coding_terms", study=study.id, status=status, dictionary=dictionary, site=site_code,
                            subject=subject_number)
    rows = store.term_rows(conn, store.TermFilter(study.id, actor.site_ids, status, dictionary, site_code,
                                                  subject_number, cursors.decode_cursor(conn, cursor, bound), limit))
    views = tuple(_views(conn, rows[:limit]))
    more = len(rows) > limit
    return TermPage(views, cursors.encode_cursor(conn, views[-1].term_id, bound) if more else None)


def read_term(conn: Connection, *, study: StudyDefinition, term_id: int, actor: Actor) -> TermView:
    """One term; NotFound for another study's or another site's."""
    row = store.term_row(conn, study.id, term_id)
    if row is None or not actor.sees(int(row.site_id)):
        raise NotFound(f"study '{study.id}' has no coded term {term_id}")
    return _views(conn, [row])[0]


def decide(conn: Connection, *, study: StudyDefinition, term_id: int, code: str, atc_code: str | None,
           expected_version: int | None, reason: str | None, actor: Actor, now: datetime) -> TermView:
    """Code the term with entry `code` of the study's release (and ATC class `atc_code`, for a drug)."""
    if expected_version is None:
        raise VersionRequired("send the version of the term you read (If-Match) to code it")
    term = store.lock_term(conn, study.id, term_id)
    if term is None or not actor.sees(int(term.site_id)):
        raise NotFound(f"study '{study.id}' has no coded term {term_id}")
    locks.ensure_writable(conn, study_id=study.id, subject_id=term.subject_id, record_id=term.record_id)
    if term.version != expected_version:
        raise VersionMismatch(f"coded term {term_id} is at version {term.version}, not {expected_version}")
    release = dictionary_store.study_release(conn, study.id, term.kind)
    if release is None:
        raise Conflict(f"the study has no {DICTIONARIES[term.kind]} release yet; its data manager sets one first")
    entry = _chosen(conn, release, code, atc_code)
    decided = (release.dictionary_id, entry.code, dictionary_store.atc_of(entry, atc_code))
    if term.status != store.CODED or (term.dictionary_id, term.code, term.atc_code) != decided:
        sync.code_term(conn, term, release, entry, atc_code, actor, now, "coding.decide", reason)
    return read_term(conn, study=study, term_id=term_id, actor=actor)


def _chosen(conn: Connection, release: Release, code: str, atc_code: str | None) -> Entry:
    """The entry `code` of the release, if it may be coded to with that ATC class; ValidationFailed otherwise."""
    name = f"{DICTIONARIES[release.kind]} {release.version}"
    entry = dictionary_store.entries(conn, release, [code]).get(code)
    errors = []
    if entry is None:
        errors.append(ItemError("code", f"no entry of {name} has this code", code))
    elif not entry.codable:
        errors.append(ItemError("code", f"LLT {code} ({entry.name}) is not current in {name}: choose a current one",
                                code))
    if atc_code is not None and release.kind == MEDDRA:
        errors.append(ItemError("atc_code", "only a WHODrug drug has ATC classes", atc_code))
    elif atc_code is not None and entry is not None and atc_code not in {c for c, _ in entry.atc}:
        errors.append(ItemError("atc_code", f"not an ATC class of drug {code} (it has "
                                f"{', '.join(c for c, _ in entry.atc) or 'none'})", atc_code))
    if errors or entry is None:
        raise ValidationFailed(errors)
    return entry


def raise_query(conn: Connection, *, study: StudyDefinition, term_id: int, text: str, actor: Actor, now: datetime,
                idempotency_key: str | None = None) -> queries.QueryView:
    """A query to the site on the term's item (the term stays in the queue)."""
    where = read_term(conn, study=study, term_id=term_id, actor=actor).place
    target = queries.Target(where.subject_number, where.visit_code, where.occurrence, where.form_id, where.seq,
                            where.item)
    return queries.raise_query(conn, study=study, target=target, text=text, actor=actor, now=now,
                               idempotency_key=idempotency_key)


def search(conn: Connection, *, study: StudyDefinition, dictionary: str, text: str, limit: int) -> list[Entry]:
    """Entries of the study's release whose name contains `text`, to choose a code from."""
    if dictionary not in DICTIONARIES:
        raise InvalidInput(f"dictionary must be one of {', '.join(DICTIONARIES)}")
    if not 0 < len(text.strip()) <= MAX_SEARCH:
        raise InvalidInput(f"search for 1 to {MAX_SEARCH} characters")
    release = dictionary_store.study_release(conn, study.id, dictionary)
    if release is None:
        raise Conflict(f"the study has no {DICTIONARIES[dictionary]} release yet")
    return dictionary_store.search(conn, release, text, limit)


def uncoded_terms(conn: Connection, study: StudyDefinition, site_ids: Collection[int] | None) -> list[UncodedTerm]:
    """Every verbatim term of the study (of `site_ids` only, when given) that is not coded."""
    found = []
    for form in study.forms.values():
        for item, kind in coded_items(form).items():
            found += [UncodedTerm(_place(r, form.id, item), kind, str(r.verbatim))
                      for r in store.uncoded_rows(conn, study, form.id, item, site_ids)]
    return sorted(found, key=lambda t: (t.place.subject_number, t.place.form_id, t.place.visit_code,
                                        t.place.occurrence, t.place.seq, t.place.item))


def record_codings(conn: Connection, study_id: str, form_id: str,
                   subject_ids: Collection[int] | None = None) -> dict[int, dict[str, Coded]]:
    """Record id -> item -> its coding, for the coded terms of the study's records of one form (the export's;
    of the subjects `subject_ids` only, when given)."""
    rows = store.coded_of_form(conn, study_id, form_id, subject_ids)
    wanted: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        wanted[int(row.dictionary_id)].add(str(row.code))
    found: dict[tuple[int, str], tuple[Release, Entry]] = {}
    for dictionary_id, codes in wanted.items():
        release = dictionary_store.release_by_id(conn, dictionary_id)
        found.update({(dictionary_id, code): (release, entry)
                      for code, entry in dictionary_store.entries(conn, release, codes).items()})
    codings: dict[int, dict[str, Coded]] = defaultdict(dict)
    for row in rows:
        release, entry = found[(int(row.dictionary_id), str(row.code))]
        codings[int(row.record_id)][str(row.item)] = Coded(
            release.kind, release.version, dictionary_store.coded_levels(release.kind, entry, row.atc_code))
    return codings


def study_dictionaries(conn: Connection, study_id: str) -> dict[str, str]:
    """The study's release of each dictionary it has one of: kind -> version (what define.xml names)."""
    return {kind: str(row.version) for kind, row in dictionary_store.study_releases(conn, study_id).items()}


def _views(conn: Connection, rows: Sequence[AnyRow]) -> list[TermView]:
    """The rows as shown, each release's entries read once for the page."""
    codes: dict[tuple[int, str, str], set[str]] = defaultdict(set)
    for row in rows:
        if row.status == store.CODED and row.dictionary_id is not None:
            codes[(int(row.dictionary_id), str(row.kind), str(row.release))].add(str(row.code))
    found = {(release[0], code): entry for release, wanted in codes.items()
             for code, entry in dictionary_store.entries(conn, Release(*release), wanted).items()}
    return [_view(row, found.get((int(row.dictionary_id or 0), str(row.code)))) for row in rows]


def _view(row: AnyRow, entry: Entry | None) -> TermView:
    decision = None
    if row.status == store.CODED:
        levels = dictionary_store.coded_levels(str(row.kind), entry, row.atc_code) if entry is not None else {}
        decision = Decision(str(row.release), str(row.code), entry.name if entry is not None else None,
                            row.atc_code, str(row.method), row.decider,
                            None if row.decided_at is None else stored_utc(row.decided_at), levels)
    return TermView(int(row.id), _place(row, str(row.form_id), str(row.item)), str(row.kind), str(row.verbatim),
                    str(row.status), int(row.version), decision)


def _place(row: AnyRow, form_id: str, item: str) -> TermPlace:
    return TermPlace(str(row.site), str(row.subject_number), str(row.visit_code), int(row.occurrence), form_id,
                     int(row.seq), item)
