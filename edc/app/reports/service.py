"""The data dictionary's files, and the reports' rows read through the queries and SDV features' own services.

The reports use their services' scoping and SQL, nothing of their own.

Every report holds only what the actor sees: the queries feature's listing
and the SDV feature's progress both filter to the actor's sites, and a
`site` filter narrows further (another site's code gives an empty report,
exactly like a site without data).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import Connection

from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import ValidationFailed
from edc.app.queries import service as queries
from edc.app.sdv import service as sdv
from edc.capture.payload import ItemError
from edc.definitions.catalog import StudyDefinition
from edc.export import dictionary
from edc.export.dictionary_files import csv_text as table_csv
from edc.export.dictionary_files import xlsx_bytes

#: A query still waiting for its resolution: open, or answered by the site and not yet closed.
UNRESOLVED = (queries.OPEN, queries.ANSWERED)
#: How many queries one listing page reads while a report is assembled.
PAGE = 500

OPEN_QUERY_COLUMNS = ("query_id", "site", "subject", "visit", "occurrence", "form", "seq", "item", "origin",
                      "check_id", "status", "text", "opened_by", "opened_at", "age_days")
SDV_COLUMNS = ("site", "subject", "records", "records_verified", "items", "items_verified",
               "items_verified_pct")


def dictionary_csv(study: StudyDefinition, table: str) -> str:
    """One table of the study's data dictionary as CSV; ValidationFailed naming `table` when it is none."""
    if table not in dictionary.TABLES:
        raise ValidationFailed([ItemError("table", f"not a table; one of {', '.join(dictionary.TABLES)}", table)])
    return table_csv(dictionary.table(study, table))


def dictionary_xlsx(study: StudyDefinition) -> bytes:
    """The study's data dictionary as the bytes of an XLSX workbook."""
    return xlsx_bytes(dictionary.dictionary(study))


def open_queries(conn: Connection, *, study: StudyDefinition, actor: Actor, now: datetime,
                 site_code: str | None = None) -> list[queries.QueryView]:
    """The open and answered queries at the sites the actor sees (optionally one site), oldest first."""
    found: list[queries.QueryView] = []
    for status in UNRESOLVED:
        cursor: str | None = None
        while True:
            page = queries.list_queries(conn, study=study, actor=actor, now=now, site_code=site_code,
                                        status=status, limit=PAGE, cursor=cursor)
            found += page.queries
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    return sorted(found, key=lambda q: q.query_id)


def open_query_rows(views: Iterable[queries.QueryView], now: datetime) -> Iterator[tuple[object, ...]]:
    """A report row per query: where it points, its state, who opened it when, and its age in whole days."""
    for q in views:
        yield (q.query_id, q.site, q.subject_number, q.visit_code, q.occurrence, q.form_id, q.seq, q.item, q.origin,
               q.check_id, q.status, q.text, q.opened_by or "system", q.opened_at.isoformat(),
               (now - q.opened_at).days)


def sdv_rows(conn: Connection, *, study: StudyDefinition, actor: Actor,
             site_code: str | None = None) -> Iterator[tuple[object, ...]]:
    """A report row per subject at the sites the actor sees: records and items entered and verified."""
    for p in sdv.progress(conn, study=study, actor=actor, site_code=site_code):
        pct = round(100 * p.items_verified / p.items, 1) if p.items else None
        yield (p.site, p.subject_number, p.records, p.records_verified, p.items, p.items_verified, pct)


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The rows as CSV with a header row (empty cells for none)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return out.getvalue()
