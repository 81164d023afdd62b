"""The monitor's view of the audit trail: filtered, keyset-paginated pages of a study's events, and a CSV export.

- `list_events` returns one page of the study's events in chain order (id
  ascending), filtered by `AuditFilter`, with an opaque cursor for the next page;
- `iter_csv` streams the same events as CSV text, walking the pages, so its
  memory does not grow with the trail.

Both honour the actor's sites: an actor restricted to some sites sees only
events recorded at those sites (study-level events, which have no site, are
hidden from them). A filter naming a site, subject or user the actor cannot
see, or one that does not exist, matches nothing: the page is empty, exactly
as for an unknown name, so no existence leaks. Who may read the trail at all
(`audit.read`) is the caller's check.

Pages are keyset queries (`id > last id ORDER BY id LIMIT n`), never OFFSET:
each costs the same however deep, and events appended while paging appear
once, at the end. A cursor is signed and bound to the filter that produced it
(`edc.app.kernel.cursors`), so a made-up, hand-edited, truncated or foreign
cursor is refused (`InvalidInput`); every page still re-applies the filter and
the actor's sites.

The SQL is `edc.app.trail.store`'s. Services never commit; these only read. For an export consistent with one
moment, run `iter_csv` in a REPEATABLE READ (PostgreSQL) transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import Connection

from edc.app.kernel import cursors
from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import InvalidInput
from edc.app.trail.store import AuditEntry, AuditFilter, fetch_events
from edc.audit.chain import utc_iso

__all__ = ["CSV_HEADER", "FORMULA_STARTS", "MAX_LIMIT", "AuditEntry", "AuditFilter", "AuditPage", "csv_row",
           "iter_csv", "list_events", "neutralise"]

#: The largest page (and CSV batch) a caller may ask for.
MAX_LIMIT = 1000
#: The CSV export's columns, in order.
CSV_HEADER = ("id", "occurred_at", "action", "username", "role", "site", "subject", "record_id", "form_id",
              "item", "old_value", "new_value", "reason", "hash")
#: Leading characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")



@dataclass(frozen=True)
class AuditPage:
    """One page of events in id order and the cursor of the next page (None on the last)."""

    events: tuple[AuditEntry, ...]
    next_cursor: str | None


def list_events(conn: Connection, *, criteria: AuditFilter, actor: Actor, limit: int = 100,
                cursor: str | None = None) -> AuditPage:
    """The page of events matching `criteria` that the actor may see, after `cursor`, at most `limit`.

    Raises `InvalidInput` for a limit outside 1..`MAX_LIMIT`, a naive `since`
    or `until`, or a cursor this query did not hand out.
    """
    _check_limit(limit, "limit")
    _check_criteria(criteria)
    bound = _bound(criteria)
    events, more = fetch_events(conn, criteria, actor, cursors.decode_cursor(conn, cursor, bound), limit)
    next_cursor = cursors.encode_cursor(conn, events[-1].id, bound) if more else None
    return AuditPage(events, next_cursor)


def iter_csv(conn: Connection, *, criteria: AuditFilter, actor: Actor, batch: int = 500) -> Iterator[str]:
    """The events `list_events` would list, as CSV text: the header line, then one chunk per `batch` events.

    Arguments are checked at the call (`InvalidInput`, as for `list_events`);
    the rows are read lazily, `batch` at a time, as the chunks are consumed.
    Quoting is the csv module's (a value with a comma, quote or line break is
    quoted), lines end in CRLF. `occurred_at` is ISO 8601 in UTC with a `Z`;
    old and new values are their stored JSON text; a missing value is empty.

    Formula injection is neutralised: any text cell starting with `=`, `+`,
    `-`, `@`, a tab or a carriage return gets a leading apostrophe (`'`), so a
    spreadsheet shows it as text instead of evaluating it. A negative number
    value (`-2`) is therefore exported as `'-2`; strip one leading apostrophe
    from such a cell to get the stored text back.
    """
    _check_limit(batch, "batch")
    _check_criteria(criteria)
    return _csv_chunks(conn, criteria, actor, batch)


def neutralise(cell: str) -> str:
    """`cell` with a leading apostrophe when a spreadsheet would take it for a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_row(entry: AuditEntry) -> list[str]:
    """The CSV cells of one event, in `CSV_HEADER` order, formula starts neutralised."""
    cells: Sequence[object] = (
        entry.id, utc_iso(entry.occurred_at), entry.action, entry.username, entry.role, entry.site_code,
        entry.subject_number, entry.record_id, entry.form_id, entry.item, entry.old_value, entry.new_value,
        entry.reason, entry.hash)
    return [neutralise("" if cell is None else str(cell)) for cell in cells]


def _csv_chunks(conn: Connection, criteria: AuditFilter, actor: Actor, batch: int) -> Iterator[str]:
    yield _csv_text([list(CSV_HEADER)])
    after, more = 0, True
    while more:
        events, more = fetch_events(conn, criteria, actor, after, batch)
        if events:
            yield _csv_text(csv_row(entry) for entry in events)
            after = events[-1].id


def _csv_text(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _check_limit(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise InvalidInput(f"{name} must be a whole number from 1 to {MAX_LIMIT}, not {value!r}")


def _check_criteria(criteria: AuditFilter) -> None:
    if not criteria.study_id:
        raise InvalidInput("the audit trail is read for one study: study_id is required")
    for name, moment in (("since", criteria.since), ("until", criteria.until)):
        if moment is not None and moment.utcoffset() is None:
            raise InvalidInput(f"'{name}' must be a timezone-aware date and time (e.g. ending in Z)")


def _bound(criteria: AuditFilter) -> str:
    """What this filter's cursors are bound to."""
    return cursors.binding("audit", **asdict(criteria))
