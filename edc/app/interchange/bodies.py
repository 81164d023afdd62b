"""Response body of the import routes (msgspec structs): what an import stored."""

from __future__ import annotations

from msgspec import Struct


class ImportOut(Struct, kw_only=True):
    """An accepted import: subjects in the file, records created, corrected and left unchanged, visits added."""

    file_name: str
    subjects: int
    created: int
    corrected: int
    unchanged: int
    visits_added: int
