"""A MedDRA release from its ASCII distribution files: every lowest level term with its primary hierarchy path.

The files of the release's `MedAscii` folder (MedDRA Distribution File
Format Document), `$`-separated, one record per line, each field followed
by a `$` (the trailing one may be missing); fields this parser reads:

| file | fields (in order) |
|---|---|
| llt.asc | llt_code, llt_name, pt_code, 6 legacy codes, llt_currency (Y/N), llt_jart_code |
| pt.asc | pt_code, pt_name, null_field, pt_soc_code, 7 legacy codes |
| hlt.asc / hlgt.asc | code, name, 7 legacy codes |
| soc.asc | soc_code, soc_name, soc_abbrev, 7 legacy codes |
| hlt_pt.asc, hlgt_hlt.asc, soc_hlgt.asc | the parent's code, the child's code |
| mdhier.asc | pt, hlt, hlgt and soc codes, their four names, soc_abbrev, null_field, pt_soc_code, primary_soc_fg |

A preferred term may sit under several SOCs (multiaxiality); SDTM's AEDECOD
hierarchy is its primary path, the `mdhier.asc` row with primary_soc_fg Y.
The names come from the term files; the checks: field counts, numeric codes,
names of 1 to 100 characters, every code a row refers to defined in its
file, the primary path's links present in the three link files, exactly one
primary path per preferred term an LLT uses, and no code defined twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from edc.coding.files import finish, lines
from edc.definitions.problems import Problems

MAX_NAME = 100
_LAYOUT: Mapping[str, tuple[int, tuple[int, ...]]] = {
    "llt.asc": (11, (0, 2)), "pt.asc": (11, (0,)), "hlt.asc": (9, (0,)), "hlgt.asc": (9, (0,)),
    "soc.asc": (10, (0,)), "hlt_pt.asc": (2, (0, 1)), "hlgt_hlt.asc": (2, (0, 1)), "soc_hlgt.asc": (2, (0, 1)),
    "mdhier.asc": (12, (0, 1, 2, 3)),
}
"""File -> (its field count, the fields that hold codes)."""
FILES = tuple(_LAYOUT)


@dataclass(frozen=True)
class MeddraTerm:
    """A lowest level term with the primary path of its preferred term (codes are MedDRA's 8-digit numbers)."""

    llt_code: int
    llt_name: str
    current: bool
    pt_code: int
    pt_name: str
    hlt_code: int
    hlt_name: str
    hlgt_code: int
    hlgt_name: str
    soc_code: int
    soc_name: str


@dataclass(frozen=True)
class _Row:
    path: Path
    line: int
    fields: tuple[str, ...]

    def code(self, index: int) -> int:
        return int(self.fields[index])


@dataclass(frozen=True)
class _Path:
    hlt: int
    hlgt: int
    soc: int


def read_meddra(directory: Path) -> tuple[MeddraTerm, ...]:
    """Every LLT of the release in `directory`; `DictionaryInvalid` listing every problem instead."""
    problems = Problems()
    rows = {name: list(_rows(directory / name, problems)) for name in FILES}
    names = {level: _names(rows[f"{level}.asc"], problems) for level in ("pt", "hlt", "hlgt", "soc")}
    paths = _primary_paths(rows, names, problems)
    terms = []
    seen: set[int] = set()
    for row in rows["llt.asc"]:
        term = _term(row, names, paths, problems)
        if term is not None and term.llt_code in seen:
            problems.add(row.path, row.line, f"LLT {term.llt_code} is defined twice")
        elif term is not None:
            seen.add(term.llt_code)
            terms.append(term)
    finish(problems)
    return tuple(terms)


def _rows(path: Path, problems: Problems) -> Iterator[_Row]:
    """The file's records with exactly its field count and numeric codes; every other line is a problem."""
    count, codes = _LAYOUT[path.name]
    for number, text in lines(path, problems):
        fields = text.split("$")
        if len(fields) == count + 1 and fields[-1] == "":
            fields = fields[:-1]
        if len(fields) != count:
            problems.add(path, number, f"{len(fields)} $-separated fields; {path.name} has {count}")
            continue
        bad = [fields[i] for i in codes if not (fields[i].isascii() and fields[i].isdigit())]
        if bad:
            problems.add(path, number, f"code {bad[0]!r} is not a number")
            continue
        yield _Row(path, number, tuple(fields))


def _names(rows: list[_Row], problems: Problems) -> dict[int, str]:
    """Code -> name of a term file (its first two fields)."""
    names: dict[int, str] = {}
    for row in rows:
        code, name = row.code(0), row.fields[1].strip()
        if not 0 < len(name) <= MAX_NAME:
            problems.add(row.path, row.line, f"term {code} needs a name of 1 to {MAX_NAME} characters")
        elif code in names:
            problems.add(row.path, row.line, f"code {code} is defined twice")
        else:
            names[code] = name
    return names


def _primary_paths(rows: Mapping[str, list[_Row]], names: Mapping[str, Mapping[int, str]],
                   problems: Problems) -> dict[int, _Path]:
    """PT code -> its primary path (mdhier.asc rows with primary_soc_fg Y), each checked against the files."""
    links = {name: {(row.code(0), row.code(1)) for row in rows[name]}
             for name in ("hlt_pt.asc", "hlgt_hlt.asc", "soc_hlgt.asc")}
    paths: dict[int, _Path] = {}
    for row in rows["mdhier.asc"]:
        flag = row.fields[11]
        if flag not in ("Y", "N"):
            problems.add(row.path, row.line, f"primary_soc_fg is {flag!r}, not Y or N")
        if flag != "Y":
            continue
        pt, found = row.code(0), _Path(row.code(1), row.code(2), row.code(3))
        message = _path_problem(pt, found, names, links) or (
            f"PT {pt} has a second primary path" if pt in paths else None)
        if message is not None:
            problems.add(row.path, row.line, message)
        else:
            paths[pt] = found
    return paths


def _path_problem(pt: int, path: _Path, names: Mapping[str, Mapping[int, str]],
                  links: Mapping[str, set[tuple[int, int]]]) -> str | None:
    """Why a primary path cannot be used: a code its file lacks, or a link the link files lack."""
    for level, code in (("pt", pt), ("hlt", path.hlt), ("hlgt", path.hlgt), ("soc", path.soc)):
        if code not in names[level]:
            return f"{level.upper()} {code} is not in {level}.asc"
    for file, link in (("hlt_pt.asc", (path.hlt, pt)), ("hlgt_hlt.asc", (path.hlgt, path.hlt)),
                       ("soc_hlgt.asc", (path.soc, path.hlgt))):
        if link not in links[file]:
            return f"the link {link[0]} -> {link[1]} is not in {file}"
    return None


def _term(row: _Row, names: Mapping[str, Mapping[int, str]], paths: Mapping[int, _Path],
          problems: Problems) -> MeddraTerm | None:
    code, name, pt, currency = row.code(0), row.fields[1].strip(), row.code(2), row.fields[9]
    message = None
    if not 0 < len(name) <= MAX_NAME:
        message = f"LLT {code} needs a name of 1 to {MAX_NAME} characters"
    elif currency not in ("Y", "N"):
        message = f"llt_currency is {currency!r}, not Y or N"
    elif pt not in names["pt"]:
        message = f"PT {pt} of LLT {code} is not in pt.asc"
    elif pt not in paths:
        message = f"PT {pt} of LLT {code} has no primary path in mdhier.asc"
    if message is not None:
        problems.add(row.path, row.line, message)
        return None
    path = paths[pt]
    return MeddraTerm(code, name, currency == "Y", pt, names["pt"][pt], path.hlt, names["hlt"][path.hlt],
                      path.hlgt, names["hlgt"][path.hlgt], path.soc, names["soc"][path.soc])
