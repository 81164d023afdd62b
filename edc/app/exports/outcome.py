"""What a finished export run stores: the names of its files, or the validation failures that refused it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from edc.app.exports.jobs import FAILED
from edc.export.sdtm.failures import Failure

MAX_FAILURES = 1000  # stored per job; the error text gives the full count


def refused(failures: Sequence[Failure]) -> dict[str, Any]:
    """The stored outcome of a submission the validation refused: failed, the first MAX_FAILURES failures."""
    kept = [_failure(f) for f in failures[:MAX_FAILURES]]
    more = f" (the first {MAX_FAILURES} are listed)" if len(failures) > MAX_FAILURES else ""
    return {"status": FAILED, "failures": kept,
            "error": f"the data fail SDTM validation: {len(failures)} failure(s){more}; nothing was written"}


def file_names(directory: Path, files: Iterable[Path]) -> list[str]:
    """The files as names relative to the job's directory."""
    return [(Path(f) if Path(f).is_absolute() else directory / f).relative_to(directory).as_posix() for f in files]


def _failure(failure: Failure) -> dict[str, object]:
    return {"domain": failure.domain, "variable": failure.variable, "usubjid": failure.usubjid,
            "value": _plain(failure.value), "message": failure.message, "row": failure.row}


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)
