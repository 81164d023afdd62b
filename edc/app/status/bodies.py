"""Request and response bodies of the status routes (msgspec structs; requests strict, unknown fields refused)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct


class SiteStatusOut(Struct, kw_only=True):
    site: Annotated[str, Meta(description="The site code, or 'all' for the total over the sites listed.")]
    subjects: int
    expected: Annotated[int, Meta(description="Forms of the scheduled visits that are due (missed ones left out).")]
    entered: Annotated[int, Meta(description="Expected forms with a record (never more than `expected`).")]
    additional: Annotated[int, Meta(description="Records outside the expected forms: log entries, repeats of a "
                                                "repeating form, unscheduled visits, visits not yet due.")]
    verified: Annotated[int, Meta(description="Entered forms whose every record has every item source-verified.")]
    signed: Annotated[int, Meta(description="Entered forms whose records are all covered by a valid signature.")]
    locked: Annotated[int, Meta(description="Entered forms whose records are all under an active freeze or lock.")]
    open_queries: Annotated[dict[str, int], Meta(description="Open queries by age in days: 0-7, 8-30, >30.")]
    answered_queries: int
    overdue_visits: Annotated[int, Meta(description="Scheduled visits not dated nor missed, past their window.")]
