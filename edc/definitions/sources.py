"""Locating definition objects in their YAML files, and validating documents against the models.

A `Locator` turns a path inside a document (('form', 'items', 3, 'unit'))
into the file and line a person should open. A plain file is located by its
own line index; a form that extends a library form is stitched from two files
and located through a `CompositeLocator`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from edc.definitions.problems import Problems
from edc.definitions.yamlsrc import PathKey, SourceDoc, read_yaml

M = TypeVar("M", bound=BaseModel)


class Locator(Protocol):
    def locate(self, path: PathKey) -> tuple[str, int]: ...


@dataclass(frozen=True)
class DocLocator:
    """Locates paths within one YAML file."""

    doc: SourceDoc

    def locate(self, path: PathKey) -> tuple[str, int]:
        return str(self.doc.file), self.doc.line(path)


@dataclass
class CompositeLocator:
    """Locates paths of a document stitched from parts of several files.

    `parts` maps a path prefix in the stitched document to the file and the
    path the value came from; the longest matching prefix wins.
    """

    parts: dict[PathKey, tuple[SourceDoc, PathKey]] = field(default_factory=dict)

    def add(self, prefix: PathKey, doc: SourceDoc, origin: PathKey) -> None:
        self.parts[prefix] = (doc, origin)

    def locate(self, path: PathKey) -> tuple[str, int]:
        for cut in range(len(path), -1, -1):
            hit = self.parts.get(tuple(path[:cut]))
            if hit is not None:
                doc, origin = hit
                return str(doc.file), doc.line(origin + tuple(path[cut:]))
        raise KeyError(path)


@dataclass(frozen=True)
class Located:
    """A definition object together with where it was written."""

    locator: Locator
    path: PathKey

    def at(self, *suffix: str | int) -> tuple[str, int]:
        return self.locator.locate(self.path + suffix)

    def child(self, *suffix: str | int) -> Located:
        return Located(self.locator, self.path + suffix)


def report(problems: Problems, where: Located, message: str, *suffix: str | int) -> None:
    file, line = where.at(*suffix)
    problems.add(file, line, message)


def validate(model: type[M], data: Any, locator: Locator, problems: Problems) -> M | None:
    """Validate `data` against `model`; record every error at its file and line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for path, error in _most_specific(data, exc.errors()):
            file, line = locator.locate(path)
            problems.add(file, line, describe(error, path))
        return None


def _most_specific(data: Any, errors: list[ErrorDetails]) -> list[tuple[PathKey, ErrorDetails]]:
    """One error per place, and none about a container whose contents have their own errors.

    A union field reports a failure per member, and a list whose entries failed
    reports itself too short; the entry-level message is the one worth reading.
    """
    located: dict[PathKey, ErrorDetails] = {}
    for error in errors:
        located.setdefault(_data_path(data, error), error)
    return [(path, error) for path, error in located.items()
            if not any(other[:len(path)] == path and len(other) > len(path) for other in located)]


def describe(error: ErrorDetails, path: PathKey) -> str:
    """A message a definition author can act on."""
    where = _dotted(path)
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{error['loc'][-1]}'" + (f" in {_dotted(path[:-1])}" if path[:-1] else "")
    if kind == "missing":
        return f"missing required key '{error['loc'][-1]}'" + (
            f" in {_dotted(path[:-1])}" if path[:-1] else "")
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    shown = error.get("input")
    value = "" if isinstance(shown, (dict, tuple, list)) else f" (got {shown!r})"
    return f"{where}: {message}{value}" if where else f"{message}{value}"


def _data_path(data: Any, error: ErrorDetails) -> PathKey:
    """The part of a pydantic error location that exists in the data (drops union member tags)."""
    path: list[str | int] = []
    node = data
    for part in error["loc"]:
        in_mapping = isinstance(node, dict) and part in node
        in_sequence = isinstance(node, (tuple, list)) and isinstance(part, int) and part < len(node)
        if in_mapping or in_sequence:
            node = node[part]
            path.append(part)
        elif error["type"] in ("missing", "extra_forbidden") and part == error["loc"][-1]:
            path.append(part)  # the missing or unknown key itself: worth naming
    return tuple(path)


def _dotted(path: PathKey) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@dataclass(frozen=True)
class Within:
    """Locates the paths of one entry of a file, validated on its own, in the whole file."""

    locator: Locator
    prefix: PathKey

    def locate(self, path: PathKey) -> tuple[str, int]:
        return self.locator.locate(self.prefix + tuple(path))


def per_domain(file: Path, model: type[M], shape: str, problems: Problems) -> tuple[Located, dict[str, M]] | None:
    """A YAML file mapping SDTM domain -> entry, each entry validated as `model` with its file:line problems.

    None when the file does not parse or is not a mapping (`shape` names what was expected); an entry that
    does not validate is left out, its problems reported.
    """
    doc = read_yaml(file, problems)
    if doc is None:
        return None
    where = Located(DocLocator(doc), ())
    if not isinstance(doc.data, dict):
        report(problems, where, f"expected a mapping of domain -> {shape}")
        return None
    entries = {str(domain): parsed for domain, data in doc.data.items()
               if (parsed := validate(model, data, Within(where.locator, (str(domain),)), problems)) is not None}
    return where, entries
