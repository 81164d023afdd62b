"""Definition problems: where in which YAML file something is wrong, and the collector that gathers them all."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One definition error, located at a file and line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Problems:
    """Collects every problem found while loading, so all are reported at once."""

    items: list[Problem] = field(default_factory=list)

    def add(self, file: str | Path, line: int, message: str) -> None:
        self.items.append(Problem(str(file), max(line, 1), message))

    def extend(self, other: Problems) -> None:
        self.items.extend(other.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Problem]:
        return sorted(set(self.items))


class DefinitionErrors(Exception):
    """Raised when definitions fail to load; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
