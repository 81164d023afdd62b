"""Test-code terminology for Findings datasets: `exports/terminology/tests.yaml`, loaded and checked.

Forms name the SDTM test code of each measured item (`sdtm: {testcd: ALT}`);
this file gives each code, per domain, its test name (--TEST, at most 40
characters), the NCI code where CDISC controlled terminology has one, and
marks sponsor-defined codes (SLEDAI-2K, BILAG-2004 and PGA items have no
CDISC terms). The export turns it into the --TESTCD and --TEST codelists of
define.xml, so the datasets are validated against the same terms define.xml
declares.

Beside it, `ctcae_lab.yaml` holds the laboratory toxicity grading criteria
(`edc.definitions.sdtm.toxicity`), loaded with it and checked against its
test codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from pydantic import Field

from edc.definitions.model import Strict, Text
from edc.definitions.problems import Problems
from edc.definitions.sdtm.toxicity import NO_GRADING, Grading, load_grading
from edc.definitions.sources import Located, per_domain, report

TERMINOLOGY_FILE = Path("terminology") / "tests.yaml"
"""Where the file lives, relative to the exports folder."""
MAX_TEST_NAME = 40


class TestTerm(Strict):
    testcd: Text = Field(max_length=8, pattern=r"^[A-Z][A-Z0-9]*$")
    test: Text = Field(max_length=MAX_TEST_NAME)
    nci_code: str | None = Field(default=None, pattern=r"^C\d+$")
    sponsor: bool = False


class CodelistInfo(Strict):
    name: Text
    nci_code: str | None = Field(default=None, pattern=r"^C\d+$")
    sponsor: bool = False


class DomainTerms(Strict):
    codelist: CodelistInfo
    tests: tuple[TestTerm, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Terminology:
    """Test terms by domain and test code, each domain's --TESTCD codelist, and the toxicity grading criteria."""

    codelists: Mapping[str, CodelistInfo]
    tests: Mapping[str, Mapping[str, TestTerm]]
    grading: Grading = NO_GRADING

    def term(self, domain: str, testcd: str) -> TestTerm | None:
        return self.tests.get(domain, {}).get(testcd)


EMPTY = Terminology(MappingProxyType({}), MappingProxyType({}))


def load_terminology(exports_root: Path, problems: Problems) -> Terminology:
    """The terminology file under `exports_root`, or EMPTY when there is none, with the grading criteria beside
    it; problems go to `problems`."""
    file = exports_root / TERMINOLOGY_FILE
    if not file.exists():
        return EMPTY
    found = per_domain(file, DomainTerms, "{codelist, tests}", problems)
    if found is None:
        return EMPTY
    where, entries = found
    codelists = {domain: parsed.codelist for domain, parsed in entries.items()}
    tests = {domain: _by_code(parsed, where.child(domain), problems) for domain, parsed in entries.items()}
    grading = load_grading(exports_root, tests, problems)
    return Terminology(MappingProxyType(codelists), MappingProxyType(tests), grading)


def _by_code(terms: DomainTerms, where: Located, problems: Problems) -> Mapping[str, TestTerm]:
    found: dict[str, TestTerm] = {}
    names: set[str] = set()
    for index, term in enumerate(terms.tests):
        if term.testcd in found:
            report(problems, where, f"test code '{term.testcd}' is listed twice", "tests", index)
        if term.test in names:
            report(problems, where, f"test name '{term.test}' is given to two codes", "tests", index)
        if not term.test.isascii():
            report(problems, where, f"test name '{term.test}' is not ASCII", "tests", index)
        found[term.testcd] = term
        names.add(term.test)
    return MappingProxyType(found)
