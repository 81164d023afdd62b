"""What the replay's passes share: the bounded report of discrepancies and the streaming merge-join.

Every pass reads two streams ordered by the same integer key (table rows and
audit events), groups each by that key and walks both together, so only one
entity's rows and events are in memory at a time, whatever the size of the
trail. Rows are fetched in batches through server-side cursors (PostgreSQL)
or a stepping statement (SQLite).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, cast

from sqlalchemy import Connection, Executable

#: Rows fetched per round trip.
BATCH = 2000


@dataclass(frozen=True)
class Discrepancy:
    """One way the tables differ from what the trail says: which table, which row, which item, and how."""

    table: str
    row: str
    item: str | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.table} {self.row}" + (f" item {self.item}" if self.item else "")
        return f"{where}: {self.problem}"


@dataclass
class Report:
    """The discrepancies found, listed up to `limit` and counted beyond it, and how much was compared."""

    limit: int
    listed: list[Discrepancy] = field(default_factory=list)
    unlisted: int = 0
    events: int = 0
    rows: int = 0

    def add(self, table: str, row: str, item: str | None, problem: str) -> None:
        if len(self.listed) < self.limit:
            self.listed.append(Discrepancy(table, row, item, problem))
        else:
            self.unlisted += 1

    def differs(self, table: str, row: str, item: str, trail: object, found: object) -> None:
        """The table holds `found` where the trail says `trail` (both canonical text)."""
        self.add(table, row, item, f"the table holds {found}, the trail says {trail}")


Group = tuple[Any, list[Mapping[str, Any]]]


def stream(conn: Connection, statement: Executable) -> Iterator[Mapping[str, Any]]:
    """The rows of `statement` as mappings, fetched in batches (never all at once)."""
    # On the statement, not the connection: Connection.execution_options changes the caller's connection in
    # place, so its next UPDATE would run in a server-side cursor (PostgreSQL refuses that).
    result = conn.execute(statement.execution_options(yield_per=BATCH))
    yield from cast(Iterator[Mapping[str, Any]], result.mappings())


def grouped(rows: Iterator[Mapping[str, Any]], key: Callable[[Mapping[str, Any]], Any]) -> Iterator[Group]:
    """Consecutive rows sharing `key`, as (key, rows)."""
    for value, members in groupby(rows, key):
        yield value, list(members)


def merged(rows: Iterator[Group], events: Iterator[Group],
           report: Report) -> Iterator[tuple[Any, list[Mapping[str, Any]], list[Mapping[str, Any]]]]:
    """Walk two grouped streams sorted on the same key: (key, rows, events), either list empty where one side
    has nothing for the key. Counts what it reads into `report`."""
    end = object()
    row_group: Any = next(rows, end)
    event_group: Any = next(events, end)
    while row_group is not end or event_group is not end:
        if event_group is end or (row_group is not end and row_group[0] < event_group[0]):
            key, found, said = row_group[0], row_group[1], []
            row_group = next(rows, end)
        elif row_group is end or event_group[0] < row_group[0]:
            key, found, said = event_group[0], [], event_group[1]
            event_group = next(events, end)
        else:
            key, found, said = row_group[0], row_group[1], event_group[1]
            row_group, event_group = next(rows, end), next(events, end)
        report.rows += len(found)
        report.events += len(said)
        yield key, found, said
