"""Reading a dictionary release's text files line by line, and the error that lists every problem in them.

The distribution files are UTF-8 (ASCII for English MedDRA); a line that is
not is one problem at its line. A parser reports every problem it finds and
raises `DictionaryInvalid` once at the end, so a sponsor fixing a release
sees all of them at once, as `file:line: message`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from edc.definitions.problems import Problem, Problems


class DictionaryInvalid(Exception):
    """A dictionary release that cannot be loaded: every problem, each at its file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def lines(path: Path, problems: Problems) -> Iterator[tuple[int, str]]:
    """(line number, text without its line end) of each non-blank line; a missing file is one problem."""
    if not path.is_file():
        problems.add(path, 1, "file missing from the release")
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                problems.add(path, number, "not UTF-8 text")
                continue
            if text.strip():
                yield number, text


def finish(problems: Problems) -> None:
    """Raise `DictionaryInvalid` with every problem collected, if any."""
    if problems:
        raise DictionaryInvalid(problems.sorted())


def release_sha256(directory: Path, names: tuple[str, ...]) -> str:
    """One SHA-256 over the release's files, in the order given (each file's name, then its bytes)."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode() + b"\0")
        digest.update((directory / name).read_bytes())
    return digest.hexdigest()
