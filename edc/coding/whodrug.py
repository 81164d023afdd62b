"""WHODrug Global in its B3 text format: every drug name with its preferred name and ATC classes.

The three files of the release this system reads (fixed width, one record
per line, positions counted from 1; the fields between are not read):

- DD.txt, drug names: 1-6 drug record number, 7-8 sequence number 1, 9-11
  sequence number 2, 12 check digit, 31 to the end the drug name;
- DDA.txt, the ATC classification of drug codes: 1-11 the drug code (record
  number and both sequence numbers), 12 check digit, 13-19 ATC code;
- INA.txt, the ATC texts: 1-7 ATC code, 8 its level (1-5), 9 to the end its text.

The drug code is the record number with both sequence numbers (11 digits).
A drug record's preferred name is its name with sequence numbers 01 and
001: SDTM's CMDECOD. A name's ATC classes are its own drug code's, else those
of its record's preferred name. Checks: the positions hold digits where codes
are, names and texts are present, no drug code twice, every record has a
preferred name, every classified drug code and ATC code is defined.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from edc.coding.files import finish, lines
from edc.definitions.problems import Problems

FILES = ("DD.txt", "DDA.txt", "INA.txt")
MAX_NAME = 1500
NAME_AT = 30
PREFERRED = "01001"
"""Sequence numbers 1 and 2 of a record's preferred name."""


@dataclass(frozen=True)
class DrugTerm:
    """A drug name, its drug code, its record's preferred name and its ATC classes (code, text), in file order."""

    drug_code: str
    drug_name: str
    preferred_name: str
    atc: tuple[tuple[str, str], ...]


def read_whodrug(directory: Path) -> tuple[DrugTerm, ...]:
    """Every drug name of the B3 release in `directory`; `DictionaryInvalid` listing every problem instead."""
    problems = Problems()
    names = _drug_names(directory / "DD.txt", problems)
    texts = _atc_texts(directory / "INA.txt", problems)
    classes = _classes(directory / "DDA.txt", names, texts, problems)
    preferred = {code[:6]: name for code, (name, _) in names.items() if code[6:] == PREFERRED}
    terms = []
    for code, (name, line) in names.items():
        if code[:6] not in preferred:
            problems.add(directory / "DD.txt", line, f"drug record {code[:6]} has no preferred name "
                         f"(sequence numbers {PREFERRED[:2]} {PREFERRED[2:]})")
            continue
        own = classes.get(code) or classes.get(code[:6] + PREFERRED) or []
        terms.append(DrugTerm(code, name, preferred[code[:6]], tuple((atc, texts[atc]) for atc in own)))
    finish(problems)
    return tuple(terms)


def _drug_names(path: Path, problems: Problems) -> dict[str, tuple[str, int]]:
    """Drug code -> (name, line) of DD.txt."""
    names: dict[str, tuple[str, int]] = {}
    for number, text in _coded_lines(path, 12, problems):
        code, name = text[:11], text[NAME_AT:].strip()
        if not 0 < len(name) <= MAX_NAME:
            problems.add(path, number, f"drug {code} needs a name of 1 to {MAX_NAME} characters from position "
                         f"{NAME_AT + 1}")
        elif code in names:
            problems.add(path, number, f"drug code {code} is defined twice (line {names[code][1]})")
        else:
            names[code] = (name, number)
    return names


def _atc_texts(path: Path, problems: Problems) -> dict[str, str]:
    """ATC code -> its text, from INA.txt."""
    texts: dict[str, str] = {}
    for number, text in lines(path, problems):
        code, level, name = text[:7].strip(), text[7:8], text[8:].strip()
        if not (code.isascii() and code.isalnum()) or len(level) != 1 or level not in "12345" or not name:
            problems.add(path, number, "expected an ATC code (positions 1-7), its level 1-5 (8) and its text (9-)")
        elif code in texts:
            problems.add(path, number, f"ATC code {code} is defined twice")
        else:
            texts[code] = name
    return texts


def _classes(path: Path, names: Mapping[str, object], texts: Mapping[str, str],
             problems: Problems) -> dict[str, list[str]]:
    """Drug code -> its ATC codes, from DDA.txt, each checked against DD.txt and INA.txt."""
    classes: dict[str, list[str]] = defaultdict(list)
    for number, text in _coded_lines(path, 12, problems):
        code, atc = text[:11], text[12:19].strip()
        if code not in names:
            problems.add(path, number, f"drug code {code} is not in DD.txt")
        elif atc not in texts:
            problems.add(path, number, f"ATC code {atc!r} (positions 13-19) is not in INA.txt")
        elif atc not in classes[code]:
            classes[code].append(atc)
    return classes


def _coded_lines(path: Path, digits: int, problems: Problems) -> Iterator[tuple[int, str]]:
    """The lines whose first `digits` positions are digits; every other line is a problem."""
    for number, text in lines(path, problems):
        if not (text[:digits].isascii() and text[:digits].isdigit() and len(text) >= digits):
            problems.add(path, number, f"positions 1-{digits} must be the drug code and its check digit")
            continue
        yield number, text
