"""Why a submission is refused: one `Failure` per reason, all raised together as `SubmissionInvalid`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """One reason a submission is refused.

    `variable` is None for a failure of a whole dataset (DM missing); a
    duplicate key names its key variables joined by "/" and its value is the
    tuple of their values. `usubjid` is the subject of the failing record
    when the dataset has subjects; `row` is the record's 1-based position in
    its dataset. `message` completes "<value> ...".
    """

    domain: str
    variable: str | None
    usubjid: str | None
    value: object
    message: str
    row: int | None = None

    def __str__(self) -> str:
        place = self.domain if self.variable is None else f"{self.domain}.{self.variable}"
        if self.row is not None:
            place += f" row {self.row}"
        if self.usubjid is not None:
            place += f" ({self.usubjid})"
        shown = "" if self.value is None else f"{self.value!r} "
        return f"{place}: {shown}{self.message}"


class SubmissionInvalid(Exception):
    """The submission fails SDTM conformance; nothing was written. `failures` lists every reason."""

    def __init__(self, failures: Sequence[Failure]) -> None:
        self.failures = tuple(failures)
        lines = [f"the submission fails validation: {len(self.failures)} failure(s)"]
        lines += [f"  - {failure}" for failure in self.failures]
        super().__init__("\n".join(lines))


def row_number(index: int | None) -> int | None:
    """A 0-based frame index as the 1-based record position a failure names."""
    return None if index is None else index + 1
