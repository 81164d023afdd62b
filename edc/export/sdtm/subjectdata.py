"""What an export reads of one subject: plain frozen values a database reader fills and the mapping reads.

Nothing here knows SDTM; `plain` turns a captured value into the text or
number an export cell holds. `ChunkedSubjects` is the sequence a reader gives
when it reads its subjects a chunk at a time (the database reader does).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import overload


@dataclass(frozen=True)
class Coded:
    """The coding of a verbatim term: the dictionary (meddra, whodrug), its release, and the levels of the decision
    (`edc.definitions.coding.LEVELS`: MedDRA's names and codes, WHODrug's preferred name, drug code, ATC class)."""

    dictionary: str
    version: str
    levels: Mapping[str, object]


@dataclass(frozen=True)
class CapturedRecord:
    """One captured form record: item name -> value (str, int, float, Decimal, bool, date, datetime, time, list).

    `visit` is the visit code ("SCR", "D28", "UNS" for unscheduled, "LOGS" for the
    subject's running logs), `occurrence` numbers repeated unscheduled visits.
    `coded` holds the coding of its verbatim-term items that are coded, by item name.
    `record_id` is the stored record's id (the ODM export finds its audit records and signatures by it).
    """

    values: Mapping[str, object]
    visit: str | None = None
    occurrence: int = 1
    coded: Mapping[str, Coded] = field(default_factory=dict)
    record_id: int | None = None


@dataclass(frozen=True)
class VisitData:
    """One of the subject's visits as captured: code, occurrence, status (planned, done, missed) and dates."""

    visit: str
    occurrence: int = 1
    status: str = "done"
    visit_date: date | None = None
    planned_date: date | None = None


@dataclass(frozen=True)
class SubjectData:
    """What the export needs of one subject; a database reader fills it, the mapping only reads it.

    `dose_level` is the level assigned at enrolment (the planned arm); `cohort`
    the indication cohort of a study that has them (part of the arm).
    `committee_dlt` holds the safety review committee's verdicts from the
    escalation service, by AE number ("Y"/"N", or the codes DLT/NOT_DLT); they
    take precedence over the committee item of the DLT assessment form.
    `eligibility` is the investigator's latest eligibility decision: each
    criterion id with the status the engine gave it then ("met", "not_met",
    "undecidable"); empty when no decision was made. `visits` are the
    subject's visits (the running-log pseudo-visit left out).
    """

    subject_number: str
    site: str
    status: str
    dose_level: str | None = None
    last_contact: date | str | None = None
    records: Mapping[str, Sequence[CapturedRecord]] = field(default_factory=dict)
    committee_dlt: Mapping[str, object] = field(default_factory=dict)
    eligibility: Mapping[str, str] = field(default_factory=dict)
    visits: Sequence[VisitData] = ()
    cohort: str | None = None

    def first(self, form_id: str) -> CapturedRecord | None:
        found = self.records.get(form_id, ())
        return found[0] if found else None


class ChunkedSubjects(Sequence[SubjectData], ABC):
    """Subjects a reader builds a chunk at a time: who they are is known first (`identities`), their data are
    read when a chunk of them is asked for (`chunk`), so the mapping holds one chunk's input, not the dataset's.

    Indexing reads a chunk of one subject: the mapping orders by `identities` and asks for chunks.
    """

    @property
    @abstractmethod
    def identities(self) -> Sequence[tuple[str, str]]:
        """(subject number, site) of the subject at each position."""

    @abstractmethod
    def chunk(self, positions: Sequence[int]) -> list[SubjectData]:
        """The subjects at `positions`, in that order."""

    def __len__(self) -> int:
        return len(self.identities)

    @overload
    def __getitem__(self, index: int) -> SubjectData: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[SubjectData]: ...

    def __getitem__(self, index: int | slice) -> SubjectData | Sequence[SubjectData]:
        if isinstance(index, slice):
            return self.chunk(range(*index.indices(len(self))))
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self.chunk([index % len(self)])[0]


def plain(value: object) -> object:
    """A captured value as export text or number: ISO 8601 dates and times, Y/N for booleans."""
    if value is None or value.__class__ is str:  # most values: decided before the type tests (once per cell)
        return value or None
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, Decimal):
        return float(value)
    if value == "":
        return None
    return value
